/**
 * NestJS 12 on platform-express with @nestjs/passport's PassportStrategy
 * mixin, in each form:
 * - `/login`: `super()`, options from env (the mixin calls `new WeChatStrategy(callback)`);
 * - `/options/login`: `super(options)` with SignedStateStore;
 * - `/req/login`: `passReqToCallback: true`, `validate(req, accessToken, refreshToken, profile)`;
 * - `/params/login`: the mixin's `callbackArity` (`true`), `validate(accessToken, refreshToken, params, profile)`.
 * Each `validate` stamps the user it returns, so the test sees it ran.
 */
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import session from 'express-session';
import passport from 'passport';
import { Strategy as WeChatStrategy, type WeChatProfile, type WeChatTokenResponse } from 'passport-wechat-oauth2';
import { announce, SESSION_SECRET, signedStore, userFrom, type AppUser } from './shared.js';
import { sessionGuard } from './nest-session-guard.js';

@Injectable()
class WeChatEnvStrategy extends PassportStrategy(WeChatStrategy, 'wechat') {
  constructor() {
    super();
  }

  validate(_accessToken: string, _refreshToken: string, profile: WeChatProfile): AppUser {
    return userFrom(profile, 'nest-env');
  }
}

@Injectable()
class WeChatOptionsStrategy extends PassportStrategy(WeChatStrategy, 'wechat-options') {
  constructor() {
    super({
      appID: process.env.WECHAT_APP_ID,
      appSecret: process.env.WECHAT_APP_SECRET,
      callbackURL: '/options/auth/wechat/callback',
      store: signedStore(),
    });
  }

  async validate(_accessToken: string, _refreshToken: string, profile: WeChatProfile): Promise<AppUser> {
    return userFrom(profile, 'nest-options');
  }
}

@Injectable()
class WeChatRequestStrategy extends PassportStrategy(WeChatStrategy, 'wechat-req') {
  constructor() {
    super({ callbackURL: '/req/auth/wechat/callback', passReqToCallback: true });
  }

  validate(req: Request, _accessToken: string, _refreshToken: string, profile: WeChatProfile): AppUser {
    return userFrom(profile, `nest-req:${req.path}`);
  }
}

@Injectable()
class WeChatParamsStrategy extends PassportStrategy(WeChatStrategy, 'wechat-params', true) {
  constructor() {
    super({ callbackURL: '/params/auth/wechat/callback' });
  }

  validate(_accessToken: string, _refreshToken: string, params: WeChatTokenResponse, profile: WeChatProfile): AppUser {
    return userFrom(profile, `nest-params:${params.scope}`);
  }
}

const EnvGuard = sessionGuard('wechat');
const OptionsGuard = AuthGuard('wechat-options');
const RequestGuard = AuthGuard('wechat-req');
const ParamsGuard = AuthGuard('wechat-params');

@Controller()
class LoginController {
  @Get('login') @UseGuards(EnvGuard) login(): void {}
  @Get('auth/wechat/callback') @UseGuards(EnvGuard) callback(@Req() req: Request) {
    return { user: req.user };
  }
  @Get('me') me(@Req() req: Request) {
    return { user: req.user ?? null };
  }
  @Get('options/login') @UseGuards(OptionsGuard) optionsLogin(): void {}
  @Get('options/auth/wechat/callback') @UseGuards(OptionsGuard) optionsCallback(@Req() req: Request) {
    return { user: req.user };
  }
  @Get('req/login') @UseGuards(RequestGuard) requestLogin(): void {}
  @Get('req/auth/wechat/callback') @UseGuards(RequestGuard) requestCallback(@Req() req: Request) {
    return { user: req.user };
  }
  @Get('params/login') @UseGuards(ParamsGuard) paramsLogin(): void {}
  @Get('params/auth/wechat/callback') @UseGuards(ParamsGuard) paramsCallback(@Req() req: Request) {
    return { user: req.user };
  }
}

@Module({
  controllers: [LoginController],
  providers: [WeChatEnvStrategy, WeChatOptionsStrategy, WeChatRequestStrategy, WeChatParamsStrategy],
})
class AppModule {}

passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: Express.User, done) => done(null, user));
const app = await NestFactory.create(AppModule, { logger: false });
app.use(session({ secret: SESSION_SECRET, resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());
await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
const address = app.getHttpServer().address();
announce(typeof address === 'object' && address ? address.port : 0);

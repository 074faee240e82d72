/**
 * NestJS 12 on platform-express with @nestjs/passport's PassportStrategy
 * mixin around WeComStrategy, in both forms:
 * - `/login`: `super()`, options from WECOM_* env (the mixin calls `new WeComStrategy(callback)`);
 * - `/options/login`: `super(options)` with SignedStateStore and `profile: 'member'`.
 * Each `validate(profile)` stamps the user it returns, so the test sees it ran.
 */
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import session from 'express-session';
import passport from 'passport';
import { WeComStrategy, type WeComProfile } from 'passport-wechat-oauth2';
import { announce, SESSION_SECRET, signedStore, weComUserFrom, type WeComAppUser } from './shared.js';
import { sessionGuard } from './nest-session-guard.js';

@Injectable()
class WeComEnvStrategy extends PassportStrategy(WeComStrategy, 'wecom') {
  constructor() {
    super();
  }

  validate(profile: WeComProfile): WeComAppUser {
    return weComUserFrom(profile, 'nest-wecom-env');
  }
}

@Injectable()
class WeComOptionsStrategy extends PassportStrategy(WeComStrategy, 'wecom-options') {
  constructor() {
    super({
      corpID: process.env.WECOM_CORP_ID,
      agentID: process.env.WECOM_AGENT_ID,
      agentSecret: process.env.WECOM_AGENT_SECRET,
      callbackURL: '/options/auth/wecom/callback',
      profile: 'member',
      store: signedStore(),
    });
  }

  async validate(profile: WeComProfile): Promise<WeComAppUser> {
    return weComUserFrom(profile, 'nest-wecom-options');
  }
}

const EnvGuard = sessionGuard('wecom');
const OptionsGuard = AuthGuard('wecom-options');

@Controller()
class LoginController {
  @Get('login') @UseGuards(EnvGuard) login(): void {}
  @Get('auth/wecom/callback') @UseGuards(EnvGuard) callback(@Req() req: Request) {
    return { user: req.user };
  }
  @Get('me') me(@Req() req: Request) {
    return { user: req.user ?? null };
  }
  @Get('options/login') @UseGuards(OptionsGuard) optionsLogin(): void {}
  @Get('options/auth/wecom/callback') @UseGuards(OptionsGuard) optionsCallback(@Req() req: Request) {
    return { user: req.user };
  }
}

@Module({ controllers: [LoginController], providers: [WeComEnvStrategy, WeComOptionsStrategy] })
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

// A NestJS 12 app (platform-express) from the installed tarball: @nestjs/passport's PassportStrategy mixin
// around WeComStrategy, with `super()` (options from WECOM_* env) and with `super(options)`. Logs in once
// through each against the emulator and prints the users its validate() methods returned.
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, UseGuards, type ExecutionContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AuthGuard, PassportStrategy } from '@nestjs/passport';
import session from 'express-session';
import passport from 'passport';
import { WeComStrategy, type WeComProfile } from 'passport-wechat-oauth2';
import { createMockWeChat } from 'passport-wechat-oauth2/testing';

const mock = await createMockWeChat();
mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'allow' });
Object.assign(process.env, {
  WECOM_CORP_ID: mock.apps.wecom.corpID,
  WECOM_AGENT_ID: mock.apps.wecom.agentID,
  WECOM_AGENT_SECRET: mock.apps.wecom.agentSecret,
  WECOM_CALLBACK_URL: '/auth/wecom/callback',
  WECOM_AUTHORIZATION_URL: mock.wecom.authorizationURL,
  WECOM_LOGIN_URL: mock.wecom.loginURL,
  WECOM_API_BASE_URL: mock.wecom.apiBaseURL,
});

@Injectable()
class WeComEnvStrategy extends PassportStrategy(WeComStrategy, 'wecom') {
  constructor() {
    super();
  }
  validate(profile: WeComProfile): { id: string; via: string } {
    return { id: profile.id, via: 'nest-super()' };
  }
}

@Injectable()
class WeComOptionsStrategy extends PassportStrategy(WeComStrategy, 'wecom-options') {
  constructor() {
    super({
      ...mock.apps.wecom,
      authorizationURL: mock.wecom.authorizationURL,
      loginURL: mock.wecom.loginURL,
      apiBaseURL: mock.wecom.apiBaseURL,
      callbackURL: '/options/auth/wecom/callback',
      profile: 'member',
    });
  }
  async validate(profile: WeComProfile): Promise<{ id: string; name: string | undefined; via: string }> {
    return { id: profile.id, name: profile.displayName, via: 'nest-super(options)' };
  }
}

/** AuthGuard does not log in by itself: this one keeps the user in the session. */
function sessionGuard(name: string) {
  @Injectable()
  class SessionGuard extends AuthGuard(name) {
    override async canActivate(context: ExecutionContext): Promise<boolean> {
      const ok = (await super.canActivate(context)) as boolean;
      await super.logIn(context.switchToHttp().getRequest());
      return ok;
    }
  }
  return SessionGuard;
}

@Controller()
class LoginController {
  @Get('login') @UseGuards(sessionGuard('wecom')) login(): void {}
  @Get('auth/wecom/callback') @UseGuards(sessionGuard('wecom')) callback(@Req() req: { user?: unknown }) {
    return { user: req.user };
  }
  @Get('options/login') @UseGuards(sessionGuard('wecom-options')) optionsLogin(): void {}
  @Get('options/auth/wecom/callback') @UseGuards(sessionGuard('wecom-options')) optionsCallback(
    @Req() req: { user?: unknown },
  ) {
    return { user: req.user };
  }
}

@Module({ controllers: [LoginController], providers: [WeComEnvStrategy, WeComOptionsStrategy] })
class AppModule {}

passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: Express.User, done) => done(null, user));
const app = await NestFactory.create(AppModule, { logger: false });
app.use(session({ secret: 'consumer-session-secret-0123456789abcdef', resave: false, saveUninitialized: false }));
app.use(passport.initialize());
app.use(passport.session());
await app.listen(0, '127.0.0.1');
const address = app.getHttpServer().address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

let cookie = '';
async function get(url: string): Promise<Response> {
  const res = await fetch(new URL(url, base), { redirect: 'manual', headers: { cookie } });
  const set = res.headers.getSetCookie();
  if (set.length > 0) cookie = set.map((c) => c.split(';')[0]).join('; ');
  return res;
}
const logIn = async (start: string): Promise<unknown> => {
  const authorize = (await get(start)).headers.get('location') ?? '';
  const back = (await get(authorize)).headers.get('location') ?? '';
  return ((await (await get(back)).json()) as { user: unknown }).user;
};
const env = await logIn('/login');
const options = await logIn('/options/login');
console.log(JSON.stringify({ env, options }));
await app.close();
await mock.close();

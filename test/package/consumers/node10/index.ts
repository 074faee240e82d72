// A classic TypeScript app: module commonjs, moduleResolution node10, no esModuleInterop. Logs in once, prints the user.
import { once } from 'node:events';
import express = require('express');
import session = require('express-session');
import passport = require('passport');
import {
  Strategy as WeChatStrategy,
  WeComStrategy,
  type WeChatProfile,
  type VerifyCallback,
} from 'passport-wechat-oauth2';
import { createMockWeChat } from 'passport-wechat-oauth2/testing';

async function main(): Promise<void> {
  const mock = await createMockWeChat();
  mock.setAutoConsent({ user: mock.users[0]!.key, decision: 'allow' });
  mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'allow' });
  passport.use(
    new WeChatStrategy(
      {
        appID: mock.apps.mp.appID,
        appSecret: mock.apps.mp.appSecret,
        authorizationURL: mock.authorizationURL,
        apiBaseURL: mock.apiBaseURL,
        callbackURL: '/cb',
      },
      (_accessToken: string, _refreshToken: string, profile: WeChatProfile, done: VerifyCallback) =>
        done(null, { openid: profile.openid, via: 'node10' }),
    ),
  );
  // WeCom (企业微信): an untyped verify gets profile: WeComProfile from the declarations.
  passport.use(
    new WeComStrategy(
      {
        ...mock.apps.wecom,
        authorizationURL: mock.wecom.authorizationURL,
        loginURL: mock.wecom.loginURL,
        apiBaseURL: mock.wecom.apiBaseURL,
        callbackURL: '/wecom/cb',
      },
      (profile, done) => done(null, { id: profile.id, kind: profile.kind, via: 'node10' }),
    ),
  );
  passport.serializeUser((user, done) => done(null, user));
  passport.deserializeUser((user: Express.User, done) => done(null, user));
  const app = express();
  app.use(session({ secret: 'consumer-session-secret-0123456789abcdef', resave: false, saveUninitialized: false }));
  app.use(passport.initialize());
  app.use(passport.session());
  app.get('/login', passport.authenticate('wechat'));
  app.get('/cb', passport.authenticate('wechat'), (req, res) => {
    res.json({ user: req.user });
  });
  app.get('/wecom/login', passport.authenticate('wecom'));
  app.get('/wecom/cb', passport.authenticate('wecom'), (req, res) => {
    res.json({ user: req.user });
  });
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  let cookie = '';
  const get = async (url: string): Promise<Response> => {
    const res = await fetch(new URL(url, base), { redirect: 'manual', headers: { cookie } });
    const set = res.headers.getSetCookie();
    if (set.length > 0) cookie = set.map((c) => c.split(';')[0]).join('; ');
    return res;
  };
  const logIn = async (start: string): Promise<{ user: unknown }> => {
    const authorize = (await get(start)).headers.get('location') ?? '';
    const back = (await get(authorize)).headers.get('location') ?? '';
    return (await (await get(back)).json()) as { user: unknown };
  };
  const wechat = await logIn('/login');
  const wecom = await logIn('/wecom/login');
  console.log(JSON.stringify({ user: wechat.user, wecom: wecom.user }));
  server.close();
  await mock.close();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});

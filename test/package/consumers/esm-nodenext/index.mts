// An ESM TypeScript app (module/moduleResolution nodenext, strict, exactOptionalPropertyTypes): log in once, print the user.
import { once } from 'node:events';
import express from 'express';
import session from 'express-session';
import passport from 'passport';
import WeChatStrategy, { WeComStrategy, type WeChatProfile, type VerifyCallback } from 'passport-wechat-oauth2';
import { createMockWeChat } from 'passport-wechat-oauth2/testing';

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
      callbackURL: process.env.UNSET_CALLBACK_URL ?? '/cb',
    },
    (_accessToken: string, _refreshToken: string, profile: WeChatProfile, done: VerifyCallback) =>
      done(null, { openid: profile.openid, via: 'esm-nodenext' }),
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
    (profile, done) => done(null, { id: profile.id, kind: profile.kind, via: 'esm-nodenext' }),
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
async function get(url: string): Promise<Response> {
  const res = await fetch(new URL(url, base), { redirect: 'manual', headers: { cookie } });
  const set = res.headers.getSetCookie();
  if (set.length > 0) cookie = set.map((c) => c.split(';')[0]).join('; ');
  return res;
}
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

// A Koa 3 app (koa-session + koa-passport) from the installed tarball, with WeComStrategy: logs in once
// against the emulator and prints the user.
import Koa from 'koa';
import session from 'koa-session';
import passport from 'koa-passport';
import { WeComStrategy } from 'passport-wechat-oauth2';
import { createMockWeChat } from 'passport-wechat-oauth2/testing';

const mock = await createMockWeChat();
mock.setWeComAutoConsent({ user: 'lisi', decision: 'allow' });
// An untyped verify: profile is WeComProfile from the declarations.
passport.use(
  new WeComStrategy(
    {
      ...mock.apps.wecom,
      authorizationURL: mock.wecom.authorizationURL,
      loginURL: mock.wecom.loginURL,
      apiBaseURL: mock.wecom.apiBaseURL,
      callbackURL: '/auth/wecom/callback',
    },
    (profile, done) => done(null, { id: profile.id, userID: profile.userID, via: 'koa' }),
  ),
);
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: Express.User, done) => done(null, user));

const app = new Koa();
app.keys = ['consumer-session-secret-0123456789abcdef'];
app.use(session({}, app));
app.use(passport.initialize());
app.use(passport.session());
app.use(async (ctx, next) => {
  if (ctx.path === '/login' || ctx.path === '/auth/wecom/callback') return passport.authenticate('wecom')(ctx, next);
  return next();
});
app.use((ctx) => {
  if (ctx.path === '/auth/wecom/callback') ctx.body = { user: ctx.state.user ?? null };
});
const server = app.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const address = server.address();
const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;

// koa-session sets two cookies (the session and its signature): keep each by name.
const jar = new Map<string, string>();
async function get(url: string): Promise<Response> {
  const cookie = [...jar.values()].join('; ');
  const res = await fetch(new URL(url, base), { redirect: 'manual', headers: { cookie } });
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';')[0] as string;
    jar.set(pair.slice(0, pair.indexOf('=')), pair);
  }
  return res;
}
const authorize = (await get('/login')).headers.get('location') ?? '';
const back = (await get(authorize)).headers.get('location') ?? '';
const { user } = (await (await get(back)).json()) as { user: unknown };
console.log(JSON.stringify({ user }));
server.close();
await mock.close();

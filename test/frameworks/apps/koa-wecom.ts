/**
 * Koa 3 + koa-session + koa-passport with WeComStrategy (WECOM_* env): the
 * session state store on `/login`, SignedStateStore without a session
 * (`session: false`) on `/signed/login`.
 */
import Koa from 'koa';
import session from 'koa-session';
import passport from 'koa-passport';
import { WeComStrategy } from 'passport-wechat-oauth2';
import { announce, SESSION_SECRET, signedStore, weComUserFrom } from './shared.js';

passport.use(new WeComStrategy((profile, done) => done(null, weComUserFrom(profile, 'koa-wecom'))));
passport.use(
  new WeComStrategy(
    {
      name: 'wecom-signed',
      callbackURL: '/signed/auth/wecom/callback',
      profile: 'member',
      store: signedStore(),
    },
    (profile, done) => done(null, weComUserFrom(profile, 'koa-wecom-signed')),
  ),
);
passport.serializeUser((user, done) => done(null, user));
passport.deserializeUser((user: Express.User, done) => done(null, user));

const app = new Koa();
app.keys = [SESSION_SECRET];
app.use(session({}, app));
app.use(passport.initialize());
app.use(passport.session());

const routes: Record<string, Koa.Middleware> = {
  '/login': passport.authenticate('wecom'),
  '/auth/wecom/callback': passport.authenticate('wecom'),
  '/signed/login': passport.authenticate('wecom-signed', { session: false }),
  '/signed/auth/wecom/callback': passport.authenticate('wecom-signed', { session: false }),
};
app.use(async (ctx, next) => {
  const route = routes[ctx.path];
  if (route) return route(ctx, next);
  return next();
});
app.use((ctx) => {
  // Reached after a successful callback (the authenticate middleware calls next) and for /me.
  if (ctx.path.endsWith('/callback') || ctx.path === '/me') ctx.body = { user: ctx.state.user ?? null };
});

const server = app.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  announce(typeof address === 'object' && address ? address.port : 0);
});

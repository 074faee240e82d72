/**
 * Fastify 5 + @fastify/passport, with @fastify/secure-session or (with
 * SESSION_PLUGIN=session) @fastify/cookie + @fastify/session: the session
 * state store on `/login`, SignedStateStore on `/signed/login` (its browser
 * binding lives in the session: a Fastify request cannot reach its reply).
 */
import Fastify from 'fastify';
import fastifyCookie from '@fastify/cookie';
import fastifyPassport from '@fastify/passport';
import fastifySecureSession from '@fastify/secure-session';
import fastifySession from '@fastify/session';
import { Strategy as WeChatStrategy } from 'passport-wechat-oauth2';
import { announce, SESSION_SECRET, signedStore, verifyAs, type AppUser } from './shared.js';

const plugin = process.env.SESSION_PLUGIN === 'session' ? 'session' : 'secure-session';
const app = Fastify();
if (plugin === 'session') {
  await app.register(fastifyCookie);
  await app.register(fastifySession, { secret: SESSION_SECRET, cookie: { secure: false }, saveUninitialized: false });
} else {
  await app.register(fastifySecureSession, {
    key: Buffer.from(SESSION_SECRET.slice(0, 32)),
    cookie: { path: '/', httpOnly: true },
  });
}
await app.register(fastifyPassport.initialize());
await app.register(fastifyPassport.secureSession());
fastifyPassport.use(new WeChatStrategy(verifyAs(`fastify-${plugin}`)));
fastifyPassport.use(
  new WeChatStrategy(
    { name: 'wechat-signed', callbackURL: '/signed/auth/wechat/callback', store: signedStore() },
    verifyAs(`fastify-${plugin}-signed`),
  ),
);
// The session state store on a route that does not log in (`session: false`): the login must still leave no pending state behind.
fastifyPassport.use(
  'wechat-no-login',
  new WeChatStrategy({ callbackURL: '/no-login/auth/wechat/callback' }, verifyAs(`fastify-${plugin}-no-login`)),
);
fastifyPassport.registerUserSerializer(async (user: AppUser) => user);
fastifyPassport.registerUserDeserializer(async (user: AppUser) => user);

app.get('/login', { preValidation: fastifyPassport.authenticate('wechat') }, async () => ({}));
app.get('/auth/wechat/callback', { preValidation: fastifyPassport.authenticate('wechat') }, async (req) => ({
  user: req.user,
}));
app.get(
  '/signed/login',
  { preValidation: fastifyPassport.authenticate('wechat-signed', { session: false }) },
  async () => ({}),
);
app.get(
  '/signed/auth/wechat/callback',
  { preValidation: fastifyPassport.authenticate('wechat-signed', { session: false }) },
  async (req) => ({ user: req.user }),
);
app.get(
  '/no-login/login',
  { preValidation: fastifyPassport.authenticate('wechat-no-login', { session: false }) },
  async () => ({}),
);
app.get(
  '/no-login/auth/wechat/callback',
  { preValidation: fastifyPassport.authenticate('wechat-no-login', { session: false }) },
  async (req) => ({ user: req.user }),
);
app.get('/me', async (req) => ({ user: req.user ?? null }));
// What the session state store left in the session (the test checks a finished login leaves nothing).
app.get('/pending-logins', async (req) => ({ pending: req.session.get('wechat:oauth2') ?? null }));

await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
announce(typeof address === 'object' && address ? address.port : 0);

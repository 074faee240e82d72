/**
 * One real login per framework, end to end against the bundled emulator:
 * Express 4, Koa (koa-passport, koa-session), Fastify (@fastify/passport
 * with @fastify/secure-session and with @fastify/session) and NestJS
 * (@nestjs/passport on platform-express). Each covers the session state
 * store and SignedStateStore, a refused login, WeChat's double callback, and
 * a callback replayed from another browser. The apps are in apps/ and run as child processes.
 */
import type { MockWeChat } from '../../lib/testing';
import { Browser } from '../helpers/login-app';
import { builtEmulator, compileApps, missingPrerequisite, startApp, type RunningApp } from './harness';

// `npm test` (and CI) must run these; jest alone without the install or the build skips with a notice.
const missing = missingPrerequisite();
const underNpmTest = process.env.npm_lifecycle_event === 'test';
if (missing && !underNpmTest) console.warn(`SKIPPED: framework tests: ${missing}.`);
if (missing && underNpmTest) {
  it('needs test/frameworks installed and the build', () => {
    throw new Error(missing);
  });
}

interface CallbackAnswer {
  status: number;
  user?: { openid: string; via: string } | null;
}

async function follow(browser: Browser, url: string): Promise<CallbackAnswer> {
  const res = await browser.get(url);
  const text = await res.text();
  return {
    status: res.status,
    user: res.status === 200 ? (JSON.parse(text) as { user: CallbackAnswer['user'] }).user : undefined,
  };
}

(missing ? describe.skip : describe)('framework apps, from the build, against the emulator', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    compileApps();
    mock = await builtEmulator().createMockWeChat();
  }, 120_000);
  afterAll(() => mock?.close());
  beforeEach(() => {
    mock.reset();
    mock.setAutoConsent({ user: mock.users[0]!.key, decision: 'allow' });
  });

  /** The scenarios every framework passes, on one state store's routes (`mount` + /login, /auth/wechat/callback). */
  function behavesLikeALogin(app: () => RunningApp, mount: string, via: string, options: { session: boolean }): void {
    it(`logs in: verify ran and its user is the request's${options.session ? " and the session's" : ''}`, async () => {
      const browser = new Browser();
      const answer = await follow(browser, await browser.callbackURL(app().url + mount));
      expect(answer).toEqual({
        status: 200,
        user: expect.objectContaining({ openid: mock.openidOf('mp', mock.users[0]!.key), via }),
      });
      if (options.session) expect(await browser.me(app().url)).toMatchObject({ via });
    });

    it('refuses a login the user refused, and logs nobody in', async () => {
      mock.setAutoConsent({ user: mock.users[0]!.key, decision: 'deny' });
      const browser = new Browser();
      const answer = await follow(browser, await browser.callbackURL(app().url + mount));
      expect(answer.status).toBeGreaterThanOrEqual(401);
      expect(answer.status).toBeLessThan(500);
      expect(await browser.me(app().url)).toBeNull();
    });

    it("ends WeChat's double callback (the same callback twice from the starting browser, the second with its pre-login cookies) logged in both times", async () => {
      const starter = new Browser();
      const callback = await starter.callbackURL(app().url + mount);
      const duplicate = starter.fork();
      const answers = await Promise.all([follow(starter, callback), follow(duplicate, callback)]);
      expect(answers).toEqual([
        { status: 200, user: expect.objectContaining({ via }) },
        { status: 200, user: expect.objectContaining({ via }) },
      ]);
    });

    it('refuses the callback replayed from another browser, and the browser that started the login still logs in', async () => {
      const starter = new Browser();
      const callback = await starter.callbackURL(app().url + mount);
      const other = new Browser();
      const replayed = await follow(other, callback);
      expect(replayed.status).toBeGreaterThanOrEqual(401);
      expect(replayed.status).toBeLessThan(500);
      expect(await other.me(app().url)).toBeNull();
      expect(await follow(starter, callback)).toMatchObject({ status: 200, user: { via } });
    });
  }

  function framework(
    title: string,
    appName: string,
    env: Record<string, string>,
    routes: Array<{ mount: string; via: string; title: string; session: boolean }>,
  ): void {
    describe(title, () => {
      let app: RunningApp;
      beforeAll(async () => {
        app = await startApp(appName, mock, env);
      }, 30_000);
      afterAll(() => app?.stop());
      afterEach(() => {
        // A failing scenario shows what the app logged.
        if (app.stderr()) console.log(`${appName} stderr:\n${app.stderr()}`);
      });
      for (const route of routes) {
        describe(route.title, () => behavesLikeALogin(() => app, route.mount, route.via, { session: route.session }));
      }
    });
  }

  framework('Express 4 with express-session', 'express4', {}, [
    { title: 'the session state store', mount: '', via: 'express4', session: true },
    { title: 'SignedStateStore with session: false', mount: '/signed', via: 'express4-signed', session: false },
  ]);

  framework('Koa with koa-passport and koa-session', 'koa', {}, [
    { title: 'the session state store', mount: '', via: 'koa', session: true },
    { title: 'SignedStateStore with session: false', mount: '/signed', via: 'koa-signed', session: false },
  ]);

  for (const plugin of ['secure-session', 'session']) {
    framework(`Fastify with @fastify/passport and @fastify/${plugin}`, 'fastify', { SESSION_PLUGIN: plugin }, [
      { title: 'the session state store', mount: '', via: `fastify-${plugin}`, session: true },
      {
        title: 'SignedStateStore with session: false',
        mount: '/signed',
        via: `fastify-${plugin}-signed`,
        session: false,
      },
    ]);
  }

  describe('Fastify with @fastify/secure-session, after a login', () => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await startApp('fastify', mock, { SESSION_PLUGIN: 'secure-session' });
    }, 30_000);
    afterAll(() => app?.stop());

    it('a finished login leaves no pending state in the session, also where nothing logs in (its session is a Proxy that ignores delete)', async () => {
      const browser = new Browser();
      const callback = await browser.callbackURL(`${app.url}/no-login`);
      expect(
        ((await (await browser.get(`${app.url}/pending-logins`)).json()) as { pending: unknown }).pending,
      ).toHaveLength(1);
      expect(await follow(browser, callback)).toMatchObject({
        status: 200,
        user: { via: 'fastify-secure-session-no-login' },
      });
      expect(await (await browser.get(`${app.url}/pending-logins`)).json()).toEqual({ pending: null });
    });
  });

  framework('NestJS on platform-express with PassportStrategy(WeChatStrategy)', 'nest', {}, [
    { title: 'super(): options from env, validate() runs', mount: '', via: 'nest-env', session: true },
    {
      title: 'super(options) with SignedStateStore, validate() runs',
      mount: '/options',
      via: 'nest-options',
      session: false,
    },
    {
      title: 'passReqToCallback: validate(req, …) gets the request',
      mount: '/req',
      via: 'nest-req:/req/auth/wechat/callback',
      session: false,
    },
    {
      title: "the mixin's callbackArity: validate(accessToken, refreshToken, params, profile)",
      mount: '/params',
      via: 'nest-params:snsapi_userinfo',
      session: false,
    },
  ]);
});

/**
 * WeComStrategy in the frameworks, from the build, against the bundled
 * emulator: NestJS (@nestjs/passport's PassportStrategy(WeComStrategy) with
 * `super()` reading WECOM_* and with `super(options)`) and Koa (koa-passport,
 * koa-session). Each route logs in inside WeCom and in a desktop browser,
 * refuses a non-member, ends WeChat-style double callbacks logged in, and
 * refuses a callback replayed from another browser. The apps are in apps/
 * (nest-wecom.ts, koa-wecom.ts) and run as child processes.
 */
import type { MockWeChat } from '../../lib/testing';
import { Browser } from '../helpers/login-app';
import { DESKTOP_UA, weComCallbackURL, WXWORK_UA } from '../wecom/helpers';
import { builtEmulator, compileApps, missingPrerequisite, startApp, type RunningApp } from './harness';

// `npm test` (and CI) must run these; jest alone without the install or the build skips with a notice.
const missing = missingPrerequisite();
const underNpmTest = process.env.npm_lifecycle_event === 'test';
if (missing && !underNpmTest) console.warn(`SKIPPED: WeCom framework tests: ${missing}.`);
if (missing && underNpmTest) {
  it('needs test/frameworks installed and the build', () => {
    throw new Error(missing);
  });
}

interface WeComUser {
  id: string;
  userID?: string;
  name?: string;
  via: string;
}

interface CallbackAnswer {
  status: number;
  user?: WeComUser | null;
}

async function follow(browser: Browser, url: string): Promise<CallbackAnswer> {
  const res = await browser.get(url);
  const text = await res.text();
  return {
    status: res.status,
    user: res.status === 200 ? (JSON.parse(text) as { user: WeComUser | null }).user : undefined,
  };
}

async function me(browser: Browser, appURL: string): Promise<WeComUser | null> {
  return ((await (await browser.get(`${appURL}/me`)).json()) as { user: WeComUser | null }).user;
}

(missing ? describe.skip : describe)('WeCom in the framework apps, from the build, against the emulator', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    compileApps();
    mock = await builtEmulator().createMockWeChat();
  }, 120_000);
  afterAll(() => mock?.close());
  // No mock.reset(): it would forget the corp tokens the apps hold, and their next call would retry after a 40014.
  beforeEach(() => mock.setWeComAutoConsent({ user: 'lisi', decision: 'allow' }));

  /** The WECOM_* a deployment would set, pointing at the emulator. */
  const weComEnv = (): Record<string, string> => ({
    WECOM_CORP_ID: mock.apps.wecom.corpID,
    WECOM_AGENT_ID: mock.apps.wecom.agentID,
    WECOM_AGENT_SECRET: mock.apps.wecom.agentSecret,
    WECOM_AUTHORIZATION_URL: mock.wecom.authorizationURL,
    WECOM_LOGIN_URL: mock.wecom.loginURL,
    WECOM_API_BASE_URL: mock.wecom.apiBaseURL,
    WECOM_CALLBACK_URL: '/auth/wecom/callback',
  });

  function behavesLikeAWeComLogin(
    app: () => RunningApp,
    route: { mount: string; via: string; session: boolean; name?: string },
  ): void {
    const lisi = () => ({
      id: `${mock.apps.wecom.corpID}/lisi`,
      userID: 'LiSi',
      via: route.via,
      ...(route.name ? { name: route.name } : {}),
    });

    it.each([
      ['inside WeCom (wxwork User-Agent)', WXWORK_UA],
      ['in a desktop browser (wwlogin)', DESKTOP_UA],
    ])(
      `logs in %s: validate/verify ran and its user is the request's${route.session ? " and the session's" : ''}`,
      async (_where, ua) => {
        const browser = new Browser(ua);
        const answer = await follow(browser, await weComCallbackURL(browser, app().url + route.mount));
        expect(answer).toEqual({ status: 200, user: lisi() });
        if (route.session) expect(await me(browser, app().url)).toEqual(lisi());
      },
    );

    it('refuses a non-member (not_member), and logs nobody in', async () => {
      mock.setWeComAutoConsent({ user: 'guest', decision: 'allow' });
      const browser = new Browser(WXWORK_UA);
      const answer = await follow(browser, await weComCallbackURL(browser, app().url + route.mount));
      // NestJS's AuthGuard answers every failure with 401; the others pass the strategy's 403.
      expect(answer.status).toBeGreaterThanOrEqual(401);
      expect(answer.status).toBeLessThan(500);
      expect(await me(browser, app().url)).toBeNull();
    });

    it('ends a double callback (the same callback twice from the starting browser, the second with its pre-login cookies) logged in both times, with one getuserinfo', async () => {
      const starter = new Browser(WXWORK_UA);
      const callback = await weComCallbackURL(starter, app().url + route.mount);
      await fetch(`${mock.url}/__mock/reset-stats`, { method: 'POST' });
      const duplicate = starter.fork();
      const answers = await Promise.all([follow(starter, callback), follow(duplicate, callback)]);
      expect(answers).toEqual([
        { status: 200, user: lisi() },
        { status: 200, user: lisi() },
      ]);
      expect(mock.stats().requests['/cgi-bin/auth/getuserinfo']).toBe(1);
    });

    it('refuses the callback replayed from another browser, and the browser that started the login still logs in', async () => {
      const starter = new Browser(WXWORK_UA);
      const callback = await weComCallbackURL(starter, app().url + route.mount);
      const other = new Browser(WXWORK_UA);
      const replayed = await follow(other, callback);
      expect(replayed.status).toBeGreaterThanOrEqual(401);
      expect(replayed.status).toBeLessThan(500);
      expect(await me(other, app().url)).toBeNull();
      expect(await follow(starter, callback)).toEqual({ status: 200, user: lisi() });
    });
  }

  function framework(
    title: string,
    appName: string,
    routes: Array<{ title: string; mount: string; via: string; session: boolean; name?: string }>,
  ): void {
    describe(title, () => {
      let app: RunningApp;
      beforeAll(async () => {
        app = await startApp(appName, mock, weComEnv());
      }, 30_000);
      afterAll(() => app?.stop());
      afterEach(() => {
        // A failing scenario shows what the app logged.
        if (app.stderr()) console.log(`${appName} stderr:\n${app.stderr()}`);
      });
      for (const route of routes) describe(route.title, () => behavesLikeAWeComLogin(() => app, route));
    });
  }

  framework('NestJS on platform-express with PassportStrategy(WeComStrategy)', 'nest-wecom', [
    {
      title: 'super(): options from WECOM_* env, validate(profile) runs',
      mount: '',
      via: 'nest-wecom-env',
      session: true,
    },
    {
      title: "super(options) with SignedStateStore and profile: 'member', validate(profile) runs",
      mount: '/options',
      via: 'nest-wecom-options',
      session: false,
      name: '李四',
    },
  ]);

  framework('Koa with koa-passport and koa-session', 'koa-wecom', [
    { title: 'the session state store', mount: '', via: 'koa-wecom', session: true },
    {
      title: "SignedStateStore with session: false and profile: 'member'",
      mount: '/signed',
      via: 'koa-wecom-signed',
      session: false,
      name: '李四',
    },
  ]);
});

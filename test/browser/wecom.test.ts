/**
 * WeCom (企业微信) login in a real browser: Debian's Chromium, driven by
 * playwright-core, against WeComStrategy and the bundled emulator.
 *
 * - On a desktop (a Chrome User-Agent): the browser login (wwlogin) shows
 *   its QR page; the test presses 模拟扫码, picks a member on the phone's
 *   confirm page and allows.
 * - Inside WeCom (Chromium's User-Agent set to WeCom's own, `wxwork/…
 *   MicroMessenger/…`): snsapi_base is silent (nothing but redirects), and
 *   snsapi_privateinfo shows the consent page; with `profile: 'sensitive'`
 *   the verified profile holds the member's email and mobile.
 * - WeChat's double callback as WeCom's webview (a WeChat webview) sends it:
 *   the answer to the callback takes longer to come back than the server
 *   takes to produce it (a balancer holds callback answers for 800 ms), and
 *   meanwhile the same callback URL is opened again, 250 ms after the first
 *   request reached the app. Chromium cancels the first navigation, so its
 *   Set-Cookie never lands, and the second request carries the pre-login
 *   cookie. On one instance, and on two instances behind a round-robin
 *   balancer sharing Redis (sessions, RedisSeenStore, RedisDeduplicator),
 *   with the session state store and SignedStateStore.
 *
 * Skips (with a notice) without Chromium or redis-server unless
 * REQUIRE_BROWSER=1 / REQUIRE_REDIS=1.
 */
import { RedisStore } from 'connect-redis';
import type session from 'express-session';
import { chromium, type Browser as Chromium, type Page, type Response } from 'playwright-core';
import { createClient } from 'redis';
import { SessionStateStore, SignedStateStore, type WeComProfile, type WeComStrategyOptions } from '../../lib';
import { RedisDeduplicator, RedisSeenStore } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { startBalancer, type Balancer } from '../helpers/balancer';
import { mockStats } from '../helpers/login-app';
import { redisRuns, startRedis, type ThrowawayRedis } from '../helpers/processes';
import { DESKTOP_UA, startWeComApp, WXWORK_UA, type WeComApp } from '../wecom/helpers';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from './chromium';

/** WeCom on an iPhone (wecom-protocol.md §1.2): `wxwork/…` before `MicroMessenger/…`. */
const WXWORK_IOS_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 wxwork/4.1.26 MicroMessenger/7.0.1 Language/zh ColorScheme/Light';

const redisRunsHere = redisRuns('the two-instance WeCom browser double-callback tests');
const STATE_SECRET = 'wecom-browser-double-callback-state-secret-0123';
const GETUSERINFO = '/cgi-bin/auth/getuserinfo';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CallbackAnswer {
  user?: { id: string; kind: string } | null;
  failed?: { message: string };
}

async function answerOf(response: Response | null): Promise<{ status: number; body: CallbackAnswer }> {
  if (!response) throw new Error('no response');
  return { status: response.status(), body: (await response.json()) as CallbackAnswer };
}

async function me(page: Page, base: string): Promise<CallbackAnswer['user']> {
  return (await answerOf(await page.goto(`${base}/me`))).body.user;
}

describe('WeCom login in a real browser (Chromium)', () => {
  const maybe = describeWithChromium('WeCom browser test');

  maybe('Chromium + playwright-core', () => {
    let chromiumBrowser: Chromium;
    let mock: MockWeChat;
    beforeAll(async () => {
      chromiumBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
      mock = await createMockWeChat();
    }, 60_000);
    afterAll(async () => {
      await chromiumBrowser?.close();
      await mock?.close();
    });
    beforeEach(() => mock.reset());

    async function newPage(userAgent: string): Promise<Page> {
      const context = await chromiumBrowser.newContext({ userAgent });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    }

    /** Every answer the emulator's pages gave this page: [status, path]. */
    function emulatorAnswers(page: Page): Array<[number, string]> {
      const seen: Array<[number, string]> = [];
      page.on('response', (res) => {
        const url = new URL(res.url());
        if (url.origin === mock.url) seen.push([res.status(), url.pathname]);
      });
      return seen;
    }

    function withApp(options: Partial<WeComStrategyOptions>, body: (app: () => WeComApp) => void): void {
      let app: WeComApp;
      beforeAll(async () => {
        app = await startWeComApp(mock, options);
      });
      afterAll(() => app?.close());
      beforeEach(() => app.profiles.splice(0));
      body(() => app);
    }

    describe('on a desktop (Chrome User-Agent): the browser login (企业微信Web登录, wwlogin)', () => {
      withApp({ profile: 'member' }, (app) => {
        it('QR page → 模拟扫码 → pick a member on the confirm page → allow → logged in as that member', async () => {
          const page = await newPage(DESKTOP_UA);
          await page.goto(`${app().url}/login`);
          await page.waitForSelector('body[data-page="wwlogin"]');
          const wwlogin = new URL(page.url());
          expect(wwlogin.origin + wwlogin.pathname).toBe(mock.wecom.loginURL);
          expect(wwlogin.searchParams.get('login_type')).toBe('CorpApp');
          expect(wwlogin.searchParams.get('appid')).toBe(mock.apps.wecom.corpID);
          expect(wwlogin.searchParams.get('agentid')).toBe(mock.apps.wecom.agentID);
          expect(await page.getAttribute('#qrcode', 'src')).toMatch(/^data:image\/png;base64,/);
          expect(await page.getAttribute('#qrcode', 'data-confirm-url')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);

          await page.click('#simulate-scan');
          await page.waitForSelector('body[data-page="scan-confirm"]');
          await page.check('#user-lisi');
          const callback = page.waitForResponse((res) => new URL(res.url()).pathname === '/cb');
          await page.click('#allow');
          const answer = await answerOf(await callback);
          expect(answer.status).toBe(200);
          expect(answer.body.user).toEqual({ id: `${mock.apps.wecom.corpID}/lisi`, kind: 'member' });
          expect(app().profiles).toHaveLength(1);
          expect(app().profiles[0]).toMatchObject({
            kind: 'member',
            userID: 'LiSi',
            client: 'web',
            displayName: '李四',
            position: '工程师',
            department: [3],
          });
          expect(await me(page, app().url)).toEqual({ id: `${mock.apps.wecom.corpID}/lisi`, kind: 'member' });
          expect((await mockStats(mock))[GETUSERINFO]).toBe(1);
          await page.context().close();
        }, 60_000);
      });
    });

    describe("inside WeCom (Chromium's User-Agent is WeCom's: wxwork/… MicroMessenger/…)", () => {
      describe('snsapi_base', () => {
        withApp({}, (app) => {
          it.each([
            ['WeCom for Windows', WXWORK_UA],
            ['WeCom for iPhone', WXWORK_IOS_UA],
          ])(
            '%s: silent — nothing but redirects, and logged in as the default member',
            async (_client, userAgent) => {
              const page = await newPage(userAgent);
              const answers = emulatorAnswers(page);
              const callback = page.waitForResponse((res) => new URL(res.url()).pathname === '/cb');
              await page.goto(`${app().url}/login`);
              const answer = await answerOf(await callback);
              expect(answer.status).toBe(200);
              expect(answer.body.user).toEqual({ id: `${mock.apps.wecom.corpID}/zhangsan`, kind: 'member' });
              // The in-client page, answered with a redirect at once: no consent page, no QR page.
              expect(answers).toEqual([[302, new URL(mock.wecom.authorizationURL).pathname]]);
              expect(app().profiles).toEqual([
                expect.objectContaining({ kind: 'member', userID: 'ZhangSan', client: 'wecom' }),
              ]);
              expect(await me(page, app().url)).toEqual({ id: `${mock.apps.wecom.corpID}/zhangsan`, kind: 'member' });
              await page.context().close();
            },
            60_000,
          );
        });
      });

      describe("snsapi_privateinfo with profile: 'sensitive'", () => {
        withApp({ scope: 'snsapi_privateinfo', profile: 'sensitive' }, (app) => {
          it("consent page → pick a member → allow → the verified profile holds the member's email and mobile", async () => {
            const page = await newPage(WXWORK_IOS_UA);
            await page.goto(`${app().url}/login`);
            await page.waitForSelector('body[data-page="consent"]');
            const authorize = new URL(page.url());
            expect(authorize.origin + authorize.pathname).toBe(mock.wecom.authorizationURL);
            expect(authorize.searchParams.get('scope')).toBe('snsapi_privateinfo');
            await page.check('#user-zhangsan');
            const callback = page.waitForResponse((res) => new URL(res.url()).pathname === '/cb');
            await page.click('#allow');
            const answer = await answerOf(await callback);
            expect(answer.status).toBe(200);
            expect(answer.body.user).toEqual({ id: `${mock.apps.wecom.corpID}/zhangsan`, kind: 'member' });
            const zhangsan = mock.wecomUsers.find((u) => u.key === 'zhangsan');
            expect(zhangsan?.email).toBeTruthy();
            expect(app().profiles).toHaveLength(1);
            const profile = app().profiles[0] as WeComProfile;
            expect(profile).toMatchObject({
              kind: 'member',
              userID: 'ZhangSan',
              client: 'wecom',
              displayName: '张三',
              emails: expect.arrayContaining([
                { value: zhangsan?.email, type: 'work' },
                { value: zhangsan?.bizMail, type: 'biz' },
              ]),
              phoneNumbers: [{ value: zhangsan?.mobile }],
              gender: 'male',
            });
            expect(JSON.stringify(profile)).not.toContain('user_ticket');
            const stats = await mockStats(mock);
            expect(stats['/cgi-bin/auth/getuserdetail']).toBe(1);
            await page.context().close();
          }, 60_000);
        });
      });
    });

    describe('the double callback (the callback opened again while its first answer is on the way)', () => {
      interface Setup {
        balancer: Balancer;
        apps: WeComApp[];
        close(): Promise<void>;
      }

      /** Behind a balancer that holds the callback's answers for 800 ms: a slow mobile network on the way back. */
      const behindSlowNetwork = (apps: WeComApp[]): Promise<Balancer> =>
        startBalancer(
          apps.map((a) => a.url),
          { holdMs: (req) => (req.url?.startsWith('/cb?') ? 800 : 0) },
        );

      const OPTIONS: Partial<WeComStrategyOptions> = { scope: 'snsapi_privateinfo', profile: 'member' };

      async function oneInstance(signed: boolean): Promise<Setup> {
        const app = await startWeComApp(mock, {
          ...OPTIONS,
          store: signed ? new SignedStateStore({ secret: STATE_SECRET }) : new SessionStateStore(),
        });
        const balancer = await behindSlowNetwork([app]);
        return {
          balancer,
          apps: [app],
          async close() {
            await balancer.close();
            await app.close();
          },
        };
      }

      async function twoInstancesOverRedis(signed: boolean): Promise<Setup> {
        const redis: ThrowawayRedis = await startRedis();
        const clients: Array<{ isOpen: boolean; close(): Promise<unknown> }> = [];
        const apps: WeComApp[] = [];
        // Each instance has its own connection, as separate processes would.
        for (const _ of [1, 2]) {
          const client = createClient({ url: redis.url });
          await client.connect();
          clients.push(client);
          const seen = new RedisSeenStore(client, { prefix: 'wecom-browser:' });
          const sessions = new RedisStore({ client, prefix: 'wecom-browser:sess:' }) as unknown as session.Store;
          apps.push(
            await startWeComApp(
              mock,
              {
                ...OPTIONS,
                store: signed ? new SignedStateStore({ secret: STATE_SECRET, seen }) : new SessionStateStore({ seen }),
                deduplicator: new RedisDeduplicator(client, { prefix: 'wecom-browser:', secret: STATE_SECRET }),
              },
              sessions,
            ),
          );
        }
        const balancer = await behindSlowNetwork(apps);
        return {
          balancer,
          apps,
          async close() {
            await balancer.close();
            for (const app of apps) await app.close();
            for (const client of clients) if (client.isOpen) await client.close();
            redis.stop();
          },
        };
      }

      const SETUPS: Array<[string, (signed: boolean) => Promise<Setup>, boolean]> = [
        ['one instance', oneInstance, true],
        ['two instances sharing Redis behind a round-robin balancer', twoInstancesOverRedis, redisRunsHere],
      ];
      const STORES: Array<[string, boolean]> = [
        ['the session state store', false],
        ['SignedStateStore', true],
      ];

      for (const [setupName, start, available] of SETUPS) {
        (available ? describe : describe.skip).each(STORES)(`${setupName}, %s`, (_store, signed) => {
          let setup: Setup;
          beforeAll(async () => {
            setup = await start(signed);
          }, 30_000);
          afterAll(async () => {
            await setup?.close();
          });

          it('both requests end logged in as the same member, with one getuserinfo at WeCom; the same URL in another browser ends logged out', async () => {
            const { balancer } = setup;
            const page = await newPage(WXWORK_IOS_UA);
            await page.goto(`${balancer.url}/login`);
            await page.waitForSelector('body[data-page="consent"]');
            await page.check('#user-lisi');
            const callbacks: Array<{ path: string; instance: number; cookie?: string }> = [];
            // How each navigation to the callback ended, as the page saw it.
            const outcomes: string[] = [];
            page.on('requestfinished', (req) => {
              if (new URL(req.url()).pathname === '/cb') outcomes.push('answered');
            });
            page.on('requestfailed', (req) => {
              if (new URL(req.url()).pathname === '/cb') outcomes.push(`failed: ${req.failure()?.errorText}`);
            });
            const callbackReachedApp = new Promise<string>((resolve) => {
              balancer.events.on('forwarded', (path: string, instance: number, cookie?: string) => {
                if (!path.startsWith('/cb?')) return;
                callbacks.push({ path, instance, cookie });
                resolve(path);
              });
            });
            // Not awaited: playwright's click would wait for the navigation it starts, the very one to interrupt.
            const allowed = page.click('#allow', { noWaitAfter: true });
            const callbackPath = await callbackReachedApp;
            await allowed;
            await sleep(250);
            // WeCom's webview opens the same URL again: Chromium cancels the first navigation.
            const second = await answerOf(await page.goto(`${balancer.url}${callbackPath}`));
            expect(second.status).toBe(200);
            expect(second.body.user).toEqual({ id: `${mock.apps.wecom.corpID}/lisi`, kind: 'member' });
            // The first navigation was cancelled: its answer (and Set-Cookie) never reached the page.
            expect(outcomes).toEqual(['failed: net::ERR_ABORTED', 'answered']);
            // What Chromium sent: the same URL twice, the second time with the pre-login cookie.
            expect(callbacks.map((c) => c.path)).toEqual([callbackPath, callbackPath]);
            if (setup.apps.length === 2) expect(callbacks[0]?.instance).not.toBe(callbacks[1]?.instance);
            expect(callbacks[1]?.cookie).toBeDefined();
            expect(callbacks[1]?.cookie).toBe(callbacks[0]?.cookie);
            // The leader ran verify; a duplicate on the same instance shares its user, one on the
            // other instance runs verify again on the leader's profile (sealed in Redis).
            const sameInstance = callbacks[0]?.instance === callbacks[1]?.instance;
            const verified = setup.apps.flatMap((a) => a.profiles);
            expect(verified.map((p) => [p.id, p.displayName])).toEqual(
              Array(sameInstance ? 1 : 2).fill([`${mock.apps.wecom.corpID}/lisi`, '李四']),
            );
            const stats = await mockStats(mock);
            expect(stats[GETUSERINFO]).toBe(1);
            expect(stats['/cgi-bin/user/get']).toBe(1);
            expect(setup.apps.flatMap((a) => a.errors)).toEqual([]);
            // Still logged in on whichever instance answers next.
            for (const _ of [1, 2]) {
              expect(await me(page, balancer.url)).toEqual({ id: `${mock.apps.wecom.corpID}/lisi`, kind: 'member' });
            }

            const stranger = await newPage(WXWORK_IOS_UA);
            const replayed = await answerOf(await stranger.goto(`${balancer.url}${callbackPath}`));
            expect(replayed.status).toBe(403);
            expect(replayed.body.failed?.message).toBe('invalid_state');
            expect(await me(stranger, balancer.url)).toBeNull();
            expect((await mockStats(mock))[GETUSERINFO]).toBe(1);
            await page.context().close();
            await stranger.context().close();
          }, 60_000);
        });
      }
    });
  });
});

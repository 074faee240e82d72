/**
 * WeChat's double callback as a real browser sends it (Debian's Chromium,
 * driven by playwright-core), against the example app.
 *
 * WeChat's in-app browser on a mobile network: the answer to the callback
 * takes longer to come back than the server takes to produce it (a balancer
 * holds callback answers for 800 ms), and meanwhile the same callback URL is
 * opened again, 250 ms after the first request reached the app. Chromium
 * cancels the first navigation, so its Set-Cookie never lands, and the second
 * request carries the pre-login session cookie.
 *
 * Run on one instance and on two instances sharing Redis behind a
 * round-robin balancer, with both state stores. Skips (with a notice) without
 * Chromium or redis-server unless REQUIRE_BROWSER=1 / REQUIRE_REDIS=1.
 */
import { chromium, type Browser as Chromium, type Page } from 'playwright-core';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { CALLBACK_PATH } from '../../example-app/config';
import { startBalancer, type Balancer } from '../helpers/balancer';
import { mockStats } from '../helpers/login-app';
import { redisRuns, startRedis, type ThrowawayRedis } from '../helpers/processes';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from './chromium';
import { startApp, WECHAT_UA, type Harness } from '../example-app/helpers';

const redisRunsHere = redisRuns('the two-instance browser double-callback tests');
const STATE_SECRET = 'browser-double-callback-state-secret-0123456789';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Setup {
  balancer: Balancer;
  mock: MockWeChat;
  close(): Promise<void>;
}

const STORES: Array<[string, Record<string, string>]> = [
  ['the session state store', {}],
  ['SignedStateStore', { STATE_STORE: 'signed', STATE_SECRET }],
];

/** The example app behind a balancer that holds callback answers for 800 ms. */
async function behindSlowNetwork(instances: Harness[]): Promise<Balancer> {
  return startBalancer(
    instances.map((h) => h.base),
    { holdMs: (req) => (req.url?.startsWith(`${CALLBACK_PATH}?`) ? 800 : 0) },
  );
}

async function oneInstance(env: Record<string, string>): Promise<Setup> {
  const h = await startApp(env);
  const balancer = await behindSlowNetwork([h]);
  return {
    balancer,
    mock: h.mock,
    async close() {
      await balancer.close();
      await h.close();
    },
  };
}

async function twoInstancesOverRedis(env: Record<string, string>): Promise<Setup> {
  const redis: ThrowawayRedis = await startRedis();
  const mock = await createMockWeChat();
  const shared = { ...env, WECHAT_MOCK_URL: mock.url, REDIS_URL: redis.url };
  const a = await startApp(shared, mock);
  const b = await startApp(shared, mock);
  const balancer = await behindSlowNetwork([a, b]);
  return {
    balancer,
    mock,
    async close() {
      await balancer.close();
      await a.close();
      await b.close();
      await mock.close();
      redis.stop();
    },
  };
}

const SETUPS: Array<[string, (env: Record<string, string>) => Promise<Setup>, boolean]> = [
  ['one instance', oneInstance, true],
  ['two instances sharing Redis behind a round-robin balancer', twoInstancesOverRedis, redisRunsHere],
];

describe('the double callback in a real browser (Chromium)', () => {
  const maybe = describeWithChromium('browser double-callback test');

  maybe('Chromium + playwright-core', () => {
    let chromiumBrowser: Chromium;
    beforeAll(async () => {
      chromiumBrowser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    }, 60_000);
    afterAll(async () => {
      await chromiumBrowser?.close();
    });

    async function newPage(): Promise<Page> {
      const context = await chromiumBrowser.newContext({ userAgent: WECHAT_UA });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return page;
    }

    for (const [setupName, start, available] of SETUPS) {
      (available ? describe : describe.skip).each(STORES)(`${setupName}, %s`, (_store, env) => {
        let setup: Setup;
        beforeAll(async () => {
          setup = await start(env);
        }, 30_000);
        afterAll(async () => {
          await setup?.close();
        });

        it('the callback opened again while its first answer is on the way ends on the profile page, logged in as the right user, with one token exchange; the same URL in another browser ends logged out', async () => {
          const { balancer, mock } = setup;
          const page = await newPage();
          await page.goto(`${balancer.url}/`);
          await page.click('#login-mp');
          await page.waitForSelector('body[data-page="consent"]');
          await page.check('#user-bob');
          const callbacks: Array<{ path: string; cookie?: string }> = [];
          const callbackReachedApp = new Promise<string>((resolve) => {
            balancer.events.on('forwarded', (path: string, _index: number, cookie?: string) => {
              if (!path.startsWith(`${CALLBACK_PATH}?`)) return;
              callbacks.push({ path, cookie });
              resolve(path);
            });
          });
          // Not awaited: playwright's click would wait for the navigation it starts, the very one to interrupt.
          const allowed = page.click('#allow', { noWaitAfter: true });
          const callbackPath = await callbackReachedApp;
          await allowed;
          await sleep(250);
          // The user (or WeChat's in-app browser) opens the same URL again: Chromium cancels the first navigation.
          await page.goto(`${balancer.url}${callbackPath}`);
          await page.waitForURL(`${balancer.url}/profile`);
          expect(await page.textContent('#nickname')).toContain('Bob 鲍勃');
          expect(await page.textContent('#openid')).toContain(mock.openidOf('mp', 'bob'));
          // What Chromium sent: the same URL twice, the second time with the
          // pre-login cookie (the first answer had not arrived when it was sent).
          expect(callbacks.map((c) => c.path)).toEqual([callbackPath, callbackPath]);
          expect(callbacks[1]?.cookie).toBeDefined();
          expect(callbacks[1]?.cookie).toBe(callbacks[0]?.cookie);
          expect((await mockStats(mock))['/sns/oauth2/access_token']).toBe(1);
          // Still logged in on whichever instance answers next.
          for (const _ of [1, 2]) {
            await page.goto(`${balancer.url}/`);
            expect(await page.locator('#logged-in').count()).toBe(1);
          }

          const stranger = await newPage();
          await stranger.goto(`${balancer.url}${callbackPath}`);
          await stranger.waitForURL(/\/failure\?reason=invalid_state$/);
          await stranger.goto(`${balancer.url}/`);
          expect(await stranger.locator('#logged-in').count()).toBe(0);
          await page.context().close();
          await stranger.context().close();
        }, 60_000);
      });
    }
  });
});

/**
 * A login that survives a dying instance, with the BUILT example app
 * (dist/example-app/server.js, from `npm run build`): two instances as real
 * processes over one real redis-server (sessions, state claims and the
 * duplicate coordination all in Redis) and one emulator, all on 127.0.0.1.
 *
 * Instance A redeems the code while the emulator holds its token call open
 * (fault `timeout`); WeChat's duplicate callback (same code and state, with
 * the pre-login cookie, as a real browser sends it) reaches instance B; then
 * A is SIGKILLed mid-exchange. Redis stays healthy, so B's duplicate must not
 * be a 500: it ends on the failure page (503, "log in again") once its wait
 * (`waitMs`, 5 s) runs out, and the login started again works.
 *
 * Needs redis-server; skipped with a notice when it is missing, unless
 * REQUIRE_REDIS=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser } from '../helpers/login-app';
import { freePort, describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

const SERVER = join(__dirname, '..', '..', 'dist', 'example-app', 'server.js');
const SESSION_SECRET = 'instance-dies-session-secret-0123456789abcdef';
/** RedisDeduplicator's default, which the example app uses. */
const WAIT_MS = 5000;
/** Poll interval, the HTTP round trips and the redirect to the failure page, on a loaded machine. */
const SLACK_MS = 1500;
const TOKEN_PATH = '/sns/oauth2/access_token';

const maybe = describeWithRedis('instance-dies');

interface Instance {
  url: string;
  child: ChildProcess;
  /** Everything it printed (stdout and stderr). */
  output: string[];
  exited: Promise<void>;
}

const children: ChildProcess[] = [];

/** One instance of the built example app, against the standalone emulator and the shared Redis. */
async function startInstance(mock: MockWeChat, redis: ThrowawayRedis): Promise<Instance> {
  const port = await freePort();
  const child = spawn(process.execPath, [SERVER], {
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      WECHAT_MOCK_URL: mock.url,
      REDIS_URL: redis.url,
      // One app, scaled out: the same session secret on every instance.
      SESSION_SECRET,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  const output: string[] = [];
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance did not start: ${output.join('')}`)), 15_000);
    const onData = (chunk: Buffer): void => {
      output.push(chunk.toString());
      if (output.join('').includes('Example app listening')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`instance exited at startup: ${output.join('')}`));
    });
  });
  await listening;
  return { url: `http://127.0.0.1:${port}`, child, output, exited };
}

function tokenCalls(mock: MockWeChat): number {
  const stats = mock.stats().requests;
  return (stats[TOKEN_PATH] ?? 0) + (stats[`/api2${TOKEN_PATH}`] ?? 0);
}

maybe('an instance killed mid-exchange (built example app, 2 instances, real Redis)', () => {
  let redis: ThrowawayRedis;
  let mock: MockWeChat;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
    redis = await startRedis();
    mock = await createMockWeChat();
    [a, b] = await Promise.all([startInstance(mock, redis), startInstance(mock, redis)]);
  }, 40_000);

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await Promise.all([a?.exited, b?.exited]);
    // A's token call is still held open by the emulator: close() destroys it.
    await mock?.close();
    redis?.stop();
  });

  it("B's duplicate ends on the failure page (503, log in again) within waitMs + slack; the login started again works", async () => {
    const browser = new Browser(); // a WeChat User-Agent: /login picks the in-WeChat (mp) surface
    const start = await browser.get(`${a.url}/login?client=mp`);
    expect(start.status).toBe(302);
    mock.setAutoConsent({ user: 'alice', decision: 'allow' });
    const consent = await browser.get(start.headers.get('location') as string);
    mock.setAutoConsent(null);
    const callback = new URL(consent.headers.get('location') as string, a.url);
    expect(callback.origin).toBe(a.url);
    const code = callback.searchParams.get('code') as string;
    expect(code).toBeTruthy();

    // A redeems the code; the emulator never answers its token call.
    mock.setFault(TOKEN_PATH, 'timeout', 1);
    const cancelledTab = browser.fork(); // the first navigation's answer never lands
    const onA = browser.get(callback.href).then(
      (res) => res.status,
      () => 'no answer' as const,
    );
    const deadline = Date.now() + 5000;
    while (tokenCalls(mock) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(tokenCalls(mock)).toBe(1); // A is mid-exchange

    // WeChat's duplicate callback lands on B, with the pre-login cookie.
    const sent = Date.now();
    const onB = cancelledTab.get(`${b.url}${callback.pathname}${callback.search}`);
    await new Promise((r) => setTimeout(r, 150));
    a.child.kill('SIGKILL');
    await a.exited;
    expect(await onA).toBe('no answer');

    const duplicate = await onB;
    expect(duplicate.status).toBe(302);
    const failureURL = new URL(duplicate.headers.get('location') as string, b.url);
    expect(failureURL.pathname).toBe('/failure');
    expect(failureURL.searchParams.get('reason')).toBe('login_interrupted');
    const page = await cancelledTab.get(failureURL.href);
    const elapsed = Date.now() - sent;
    const html = await page.text();
    console.log(`instance-dies: the duplicate on B ended on the failure page ${elapsed} ms after it was sent`);

    expect(page.status).toBe(503);
    expect(html).toContain('重新登录');
    expect(html).toMatch(/log in again/i);
    expect(html).toContain('href="/login"');
    // It waited for A (it did not give up early), and not much longer than its bound.
    expect(elapsed).toBeGreaterThanOrEqual(WAIT_MS - 200);
    expect(elapsed).toBeLessThan(WAIT_MS + SLACK_MS);
    // Nobody was logged in, B never redeemed the spent code, and no code reached a page or a log.
    const profile = await cancelledTab.get(`${b.url}/profile`);
    expect(profile.status).toBe(302);
    expect(tokenCalls(mock)).toBe(1);
    expect(html).not.toContain(code);
    expect(b.output.join('')).not.toContain(code);
    expect(b.output.join('')).toMatch(/login failed: login_interrupted/);

    // "Log in again" (the page's link, on B): a whole new login works.
    const again = await cancelledTab.get(`${b.url}/login`);
    expect(again.status).toBe(302);
    const authorize = new URL(again.headers.get('location') as string);
    expect(authorize.pathname).toBe('/connect/oauth2/authorize'); // the same (in-WeChat) surface
    mock.setAutoConsent({ user: 'alice', decision: 'allow' });
    const consentAgain = await cancelledTab.get(authorize.href);
    mock.setAutoConsent(null);
    const loggedIn = await cancelledTab.get(new URL(consentAgain.headers.get('location') as string, b.url).href);
    expect(loggedIn.status).toBe(302);
    expect(loggedIn.headers.get('location')).toBe('/profile');
    const profileAgain = await cancelledTab.get(`${b.url}/profile`);
    expect(profileAgain.status).toBe(200);
    expect(await profileAgain.text()).toContain(mock.openidOf('mp', 'alice'));
    expect(tokenCalls(mock)).toBe(2);
  }, 30_000);
});

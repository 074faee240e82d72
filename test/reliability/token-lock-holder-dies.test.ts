/**
 * The shared access-token fetch lock when its holder dies mid-fetch: another
 * process (the built package, dist/cjs) takes the lock through
 * RedisAccessTokenStore.fetchOnce with a fetch that never returns, and is
 * SIGKILLed. The instances waiting for it are delayed by at most the lock's
 * TTL (`lockMs`): then one of them fetches, exactly once, for all of them.
 * One real redis-server and the emulator, on 127.0.0.1.
 *
 * Needs redis-server; skipped with a notice when it is missing, unless
 * REQUIRE_REDIS=1.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, type RedisClientType } from 'redis';
import { WeChatAccessTokenManager } from '../../lib';
import { RedisAccessTokenStore } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

const BUILT_REDIS = join(__dirname, '..', '..', 'dist', 'cjs', 'redis', 'index.js');
const PREFIX = 'lock-holder-dies:';
/** Short, so the test is quick; the default is 10 s. */
const LOCK_MS = 1500;
/** Poll interval (50 ms), one token fetch and Redis round trips, on a loaded machine. */
const SLACK_MS = 1000;
const TOKEN_PATHS = ['/cgi-bin/stable_token', '/cgi-bin/token'];

const maybe = describeWithRedis('token-lock-holder-dies');

/** The other instance: takes the lock, reports it, and hangs in its fetch until it is killed. */
const HOLDER = `
const { createClient } = require(process.env.REDIS_MODULE);
const { RedisAccessTokenStore } = require(process.env.BUILT_REDIS);
(async () => {
  const client = createClient({ url: process.env.REDIS_URL });
  client.on('error', () => undefined);
  await client.connect();
  const store = new RedisAccessTokenStore(client, { prefix: process.env.PREFIX, lockMs: Number(process.env.LOCK_MS) });
  await store.fetchOnce(process.env.APP_ID, () => {
    process.stdout.write('fetching\\n');
    return new Promise(() => undefined);
  });
})().catch((err) => {
  process.stderr.write(String(err && err.message) + '\\n');
  process.exit(1);
});
`;

function tokenCalls(mock: MockWeChat): number {
  const requests = mock.stats().requests;
  return TOKEN_PATHS.reduce((sum, path) => sum + (requests[path] ?? 0) + (requests[`/api2${path}`] ?? 0), 0);
}

maybe('the access-token lock holder is killed mid-fetch (two processes, real Redis)', () => {
  let redis: ThrowawayRedis;
  let mock: MockWeChat;
  let holder: ChildProcess | undefined;
  let holderExited: Promise<void> | undefined;
  const clients: RedisClientType[] = [];

  beforeAll(async () => {
    if (!existsSync(BUILT_REDIS)) throw new Error(`${BUILT_REDIS} is missing: run \`npm run build\` first`);
    redis = await startRedis();
    mock = await createMockWeChat();
  });

  afterAll(async () => {
    if (holder && holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL');
    await holderExited;
    for (const client of clients) await client.quit().catch(() => undefined);
    await mock?.close();
    redis?.stop();
  });

  async function connect(): Promise<RedisClientType> {
    const client = createClient({ url: redis.url }) as RedisClientType;
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  it('the waiting instances get a token within lockMs + slack, with exactly one more token call', async () => {
    const appID = mock.apps.miniprogram.appID;
    holder = spawn(process.execPath, ['-e', HOLDER], {
      env: {
        PATH: process.env.PATH,
        REDIS_MODULE: require.resolve('redis'),
        BUILT_REDIS,
        REDIS_URL: redis.url,
        PREFIX,
        LOCK_MS: String(LOCK_MS),
        APP_ID: appID,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const child = holder;
    holderExited = new Promise((resolve) => child.once('exit', () => resolve()));
    const output: string[] = [];
    child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the holder did not take the lock: ${output.join('')}`)), 10_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('fetching')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const locked = Date.now();
    const raw = await connect();
    expect(await raw.pTTL(`${PREFIX}access-token-lock:${appID}`)).toBeGreaterThan(0);

    // Two instances of this app need the token now; then the holder dies without releasing its lock.
    const managers = await Promise.all(
      [0, 1].map(
        async () =>
          new WeChatAccessTokenManager({
            ...mock.apps.miniprogram,
            apiBaseURL: mock.apiBaseURL,
            store: new RedisAccessTokenStore(await connect(), { prefix: PREFIX, lockMs: LOCK_MS }),
          }),
      ),
    );
    const asked = Date.now();
    const tokens = Promise.all(managers.map((m) => m.getAccessToken().then((token) => [token, Date.now()] as const)));
    child.kill('SIGKILL');
    await holderExited;

    const got = await tokens;
    const delays = got.map(([, at]) => at - asked);
    console.log(
      `token-lock-holder-dies: with lockMs ${LOCK_MS}, the waiters got the token ${delays.join(' and ')} ms after asking (${got[0][1] - locked} ms after the lock was taken)`,
    );
    expect(got[0][0]).toEqual(expect.any(String));
    expect(got[1][0]).toBe(got[0][0]);
    for (const [, at] of got) {
      // They did wait for the dead holder's lock to expire, and not much longer.
      expect(at - locked).toBeGreaterThanOrEqual(LOCK_MS - 50);
      expect(at - asked).toBeLessThan(LOCK_MS + SLACK_MS);
    }
    expect(tokenCalls(mock)).toBe(1);
  }, 30_000);

  it('a waiter whose waitMs equals lockMs (as the defaults do) still takes over from a dead holder', async () => {
    const appID = 'wx-equal-bounds';
    // A holder that never finishes and never releases: what a killed one leaves in Redis.
    const dead = new RedisAccessTokenStore(await connect(), { prefix: PREFIX, lockMs: LOCK_MS });
    let fetching!: () => void;
    const started = new Promise<void>((resolve) => (fetching = resolve));
    void dead.fetchOnce(appID, () => {
      fetching();
      return new Promise(() => undefined);
    });
    await started;
    // A coarse poll makes the race certain: the waiter first sees the lock gone after its own deadline.
    const waiter = new RedisAccessTokenStore(await connect(), {
      prefix: PREFIX,
      lockMs: LOCK_MS,
      waitMs: LOCK_MS,
      pollMs: 400,
    });
    const token = { accessToken: 'AT-after-the-dead-holder', expiresAt: Date.now() + 60_000 };
    const asked = Date.now();
    await expect(waiter.fetchOnce(appID, async () => token)).resolves.toEqual(token);
    expect(Date.now() - asked).toBeLessThan(LOCK_MS + SLACK_MS);
  }, 10_000);
});

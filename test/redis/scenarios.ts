/**
 * What several instances share through Redis, as tests to run on any
 * topology and client: each store on its own, a double callback across two
 * strategy instances, Mini Program session keys across instances, and one
 * access-token fetch for N instances. Call inside a describe block; each
 * test opens its own connections (one per instance) and closes them.
 */
import { SignedStateStore, WeChatAccessTokenManager, WeChatMiniProgramStrategy } from '../../lib';
import {
  RedisAccessTokenStore,
  RedisCommands,
  RedisDeduplicator,
  RedisSeenStore,
  RedisSessionKeyStore,
} from '../../lib/redis';
import type { MockWeChat } from '../../lib/testing';
import { startBalancer } from '../helpers/balancer';
import { follow, lead } from '../helpers/dedupe';
import { Browser, startLoginApp, tokenExchanges, type LoginApp } from '../helpers/login-app';
import { authenticate, postJSON, requestCount } from '../miniprogram/helpers';
import type { Connection } from './topology-clients';

export const SECRET = 'redis-topology-test-secret-0123456789abcdef';
export const STATE_SECRET = 'redis-topology-state-secret-0123456789abc';

let prefixes = 0;
/** A key prefix of its own for each test, so tests on one server never see each other's keys. */
export const freshPrefix = (label: string) => `t${++prefixes}-${label}:`;

export interface ScenarioContext {
  /** A new connection to the topology (one per simulated instance). */
  connect(): Promise<Connection>;
  /** The emulator, started with `slowMs` 400 and reset before each test. */
  mock(): MockWeChat;
  /** Which client, in names and prefixes. */
  label: string;
}

/**
 * Opens `n` connections for one test and closes them (and whatever else was
 * registered with `atEnd`) after it, whether it passed or not.
 */
export function instances(ctx: ScenarioContext) {
  const cleanups: Array<() => Promise<void>> = [];
  // Generous: a cleanup may restore a Sentinel topology after a crash (topologies.ts, `restore`).
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  }, 90_000);
  return {
    async open(n: number): Promise<Connection[]> {
      const opened: Connection[] = [];
      for (let i = 0; i < n; i++) {
        const connection = await ctx.connect();
        cleanups.push(() => connection.close());
        opened.push(connection);
      }
      return opened;
    },
    atEnd(cleanup: () => Promise<void>) {
      cleanups.push(cleanup);
    },
  };
}

export function sharedStateScenarios(ctx: ScenarioContext): void {
  const pool = instances(ctx);

  it('every store reads and writes (seen, deduplicator, session keys, access token and its lock scripts)', async () => {
    const [{ client }] = await pool.open(1);
    const prefix = freshPrefix(ctx.label);
    const options = { prefix, pollMs: 5 };

    const seen = new RedisSeenStore(client, options);
    expect(await seen.add('state-1', 10_000)).toBe(true);
    expect(await seen.add('state-1', 10_000)).toBe(false);

    const dedupe = new RedisDeduplicator(client, { ...options, secret: SECRET });
    const settle = lead(await dedupe.begin('k1'));
    const waiting = follow(await dedupe.begin('k1'));
    settle({ kind: 'fail', challenge: { message: 'denied' }, status: 401 });
    await expect(waiting).resolves.toEqual({ kind: 'fail', challenge: { message: 'denied' }, status: 401 });

    const sessionKeys = new RedisSessionKeyStore(client, { ...options, secret: SECRET });
    await sessionKeys.set('wxapp', 'openid-1', 'SESSION-KEY');
    expect(await sessionKeys.get('wxapp', 'openid-1')).toBe('SESSION-KEY');
    await sessionKeys.delete('wxapp', 'openid-1');
    expect(await sessionKeys.get('wxapp', 'openid-1')).toBeUndefined();

    const tokens = new RedisAccessTokenStore(client, options);
    const token = { accessToken: 'AT-1', expiresAt: Date.now() + 60_000 };
    expect(await tokens.fetchOnce('wxapp', async () => token)).toEqual(token);
    expect(await tokens.get('wxapp')).toEqual(token);
    // The release script freed the lock (else this fetch would wait for it).
    const raw = new RedisCommands(client, { prefix });
    expect(await raw.get('access-token-lock:wxapp')).toBeUndefined();
    await tokens.invalidate('wxapp', 'AT-other'); // not the stored token: it stays
    expect(await tokens.get('wxapp')).toEqual(token);
    await tokens.invalidate('wxapp', 'AT-1');
    expect(await tokens.get('wxapp')).toBeUndefined();
  });

  it('a double callback on two strategy instances makes one token exchange; both answers log the same user in', async () => {
    const mock = ctx.mock();
    const prefix = freshPrefix(ctx.label);
    const apps: LoginApp[] = [];
    for (const { client } of await pool.open(2)) {
      const app = await startLoginApp(mock, {
        store: new SignedStateStore({ secret: STATE_SECRET, seen: new RedisSeenStore(client, { prefix }) }),
        strategy: { deduplicator: new RedisDeduplicator(client, { prefix, secret: SECRET, pollMs: 10 }) },
      });
      pool.atEnd(() => app.close());
      apps.push(app);
    }
    const balancer = await startBalancer(apps.map((a) => a.url));
    pool.atEnd(() => balancer.close());

    // The first exchange stays in flight 400 ms, so the duplicate arrives while it runs.
    mock.setFault('/sns/oauth2/access_token', 'slow', 1);
    const browser = new Browser();
    const callback = await browser.callbackURL(balancer.url);
    const cancelledTab = browser.fork();
    const answers = await Promise.all([browser.get(callback), cancelledTab.get(callback)]);
    expect(answers.map((a) => a.status)).toEqual([200, 200]);
    const users = await Promise.all(answers.map(async (a) => ((await a.json()) as { user: { openid: string } }).user));
    expect(users.map((u) => u.openid)).toEqual([mock.openidOf('mp', 'alice'), mock.openidOf('mp', 'alice')]);
    // Round robin: the two callbacks reached different instances.
    expect(balancer.hits.every((hits) => hits > 0)).toBe(true);
    expect(await tokenExchanges(mock)).toBe(1);
  });

  it('a Mini Program session_key stored by one instance decrypts data on the other', async () => {
    const mock = ctx.mock();
    const prefix = freshPrefix(ctx.label);
    const [a, b] = (await pool.open(2)).map(
      ({ client }) =>
        new WeChatMiniProgramStrategy({
          ...mock.apps.miniprogram,
          apiBaseURL: mock.apiBaseURL,
          sessionKeyStore: new RedisSessionKeyStore(client, { prefix, secret: SECRET }),
        }),
    );
    expect((await authenticate(a, postJSON({ code: mock.miniProgramLogin('bob') }))).kind).toBe('success');
    const openid = mock.openidOf('miniprogram', 'bob');
    const data = mock.encryptedDataFor('bob', { hello: 'world' });
    await expect(b.decryptData(openid, data.encryptedData, data.iv)).resolves.toMatchObject({ hello: 'world' });
  });

  it('N instances sharing a RedisAccessTokenStore make one access-token fetch', async () => {
    const mock = ctx.mock();
    const prefix = freshPrefix(ctx.label);
    const managers = (await pool.open(4)).map(
      ({ client }) =>
        new WeChatAccessTokenManager({
          ...mock.apps.miniprogram,
          apiBaseURL: mock.apiBaseURL,
          store: new RedisAccessTokenStore(client, { prefix, pollMs: 10 }),
        }),
    );
    const tokens = await Promise.all(managers.flatMap((m) => Array.from({ length: 10 }, () => m.getAccessToken())));
    expect(new Set(tokens).size).toBe(1);
    expect(await requestCount(mock, '/cgi-bin/stable_token')).toBe(1);
  });
}

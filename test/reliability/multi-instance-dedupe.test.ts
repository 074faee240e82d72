/**
 * WeChat's double callback behind a round-robin load balancer (no sticky
 * sessions): the duplicate lands on another instance. Sessions, state claims
 * and the duplicate coordination live in a real Redis (redis-server from
 * apt, on a free port), reached through node-redis and through ioredis.
 *
 * The duplicates carry what a real browser sends: the pre-login cookie, since
 * the first navigation was cancelled before its answer (and Set-Cookie)
 * arrived.
 *
 * Needs redis-server; skipped with a notice when it is missing, unless
 * REQUIRE_REDIS=1.
 */
import { createClient, type RedisClientType } from 'redis';
import IORedis from 'ioredis';
import { RedisStore } from 'connect-redis';
import { SessionStateStore, SignedStateStore, type StateStore } from '../../lib';
import { RedisDeduplicator, RedisSeenStore, type RedisClientLike } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { startBalancer, type Balancer } from '../helpers/balancer';
import { Browser, startLoginApp, tokenExchanges, type LoginApp, type LoginAppOptions } from '../helpers/login-app';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

const DEDUPE_SECRET = 'dedupe-secret-for-tests-0123456789abcdef';
const STATE_SECRET = 'state-secret-for-tests-0123456789abcdef';

const maybe = describeWithRedis('multi-instance-dedupe');

type ClientKind = 'node-redis' | 'ioredis';
type StoreKind = 'session' | 'signed';

interface Connection {
  client: RedisClientLike;
  ready(): boolean;
  quit(): Promise<unknown>;
}

async function connect(kind: ClientKind, url: string): Promise<Connection> {
  if (kind === 'ioredis') {
    const client = new IORedis(url, { lazyConnect: true });
    client.on('error', () => undefined);
    await client.connect();
    return { client, ready: () => client.status === 'ready', quit: () => client.quit().catch(() => undefined) };
  }
  const client = createClient({ url }) as RedisClientType;
  client.on('error', () => undefined);
  await client.connect();
  return { client, ready: () => client.isReady, quit: () => client.quit().catch(() => undefined) };
}

function stateStore(kind: StoreKind, seen: RedisSeenStore): StateStore {
  return kind === 'signed' ? new SignedStateStore({ secret: STATE_SECRET, seen }) : new SessionStateStore({ seen });
}

interface Cluster {
  redis: ThrowawayRedis;
  connections: Connection[];
  apps: LoginApp[];
  balancer: Balancer;
}

/**
 * For the enclosing describe block: one throwaway Redis, one login-app
 * instance per client kind (its coordination stores on a connection of that
 * kind, its sessions in Redis too when `redisSessions`), and a round-robin
 * balancer in front. Stopped after the block.
 */
function clusterFor(
  kinds: ClientKind[],
  redisSessions: boolean,
  optionsFor: (client: RedisClientLike) => LoginAppOptions,
): Cluster {
  const cluster = { connections: [], apps: [] } as unknown as Cluster;
  beforeAll(async () => {
    cluster.redis = await startRedis();
    for (const kind of kinds) {
      const coordination = await connect(kind, cluster.redis.url);
      cluster.connections.push(coordination);
      const options = optionsFor(coordination.client);
      if (redisSessions) {
        const sessions = await connect('node-redis', cluster.redis.url);
        cluster.connections.push(sessions);
        options.sessionStore = new RedisStore({ client: sessions.client as RedisClientType, prefix: 'sess:' });
      }
      cluster.apps.push(await startLoginApp(mock, options));
    }
    cluster.balancer = await startBalancer(cluster.apps.map((a) => a.url));
  });
  afterAll(async () => {
    await cluster.balancer?.close();
    for (const app of cluster.apps) await app.close();
    for (const c of cluster.connections) await c.quit();
    cluster.redis?.stop();
  });
  return cluster;
}

let mock: MockWeChat;
beforeAll(async () => {
  // 'slow' answers hold a token exchange in flight for 400 ms.
  mock = await createMockWeChat({ slowMs: 400 });
});
afterAll(() => mock?.close());
beforeEach(() => {
  mock.reset();
  mock.setAutoConsent({ user: 'alice', decision: 'allow' });
});

maybe.each([
  ['node-redis', 'session', 2],
  ['node-redis', 'signed', 2],
  ['ioredis', 'session', 2],
  ['ioredis', 'signed', 3],
  ['node-redis', 'session', 3],
] as Array<[ClientKind, StoreKind, number]>)(
  '%s, the %s state store, %i instances behind a round-robin balancer',
  (clientKind, storeKind, count) => {
    const cluster = clusterFor(Array(count).fill(clientKind), true, (client) => ({
      store: stateStore(storeKind, new RedisSeenStore(client)),
      strategy: { deduplicator: new RedisDeduplicator(client, { secret: DEDUPE_SECRET }) },
    }));
    let balancer: Balancer;
    beforeAll(() => {
      balancer = cluster.balancer;
    });

    const alice = () => mock.openidOf('mp', 'alice');
    const openidOf = async (res: Response) => ((await res.json()) as { user?: { openid: string } }).user?.openid;

    it('concurrent duplicates with the pre-login cookie, on different instances: both log in as the same user, one token exchange', async () => {
      mock.setFault('/sns/oauth2/access_token', 'slow', 1);
      const browser = new Browser();
      const callback = await browser.callbackURL(balancer.url);
      const cancelledTab = browser.fork();
      const [first, duplicate] = await Promise.all([browser.get(callback), cancelledTab.get(callback)]);
      expect([first.status, duplicate.status]).toEqual([200, 200]);
      expect(await openidOf(first)).toBe(alice());
      expect(await openidOf(duplicate)).toBe(alice());
      expect(await tokenExchanges(mock)).toBe(1);
      // The tab whose answer landed last is logged in, on every instance.
      for (let i = 0; i < count; i++) expect((await cancelledTab.me(balancer.url))?.openid).toBe(alice());
    });

    it('a back-to-back duplicate with the pre-login cookie, on another instance: logs in as the same user, one token exchange', async () => {
      const browser = new Browser();
      const callback = await browser.callbackURL(balancer.url);
      const cancelledTab = browser.fork();
      expect((await browser.get(callback)).status).toBe(200);
      const duplicate = await cancelledTab.get(callback);
      expect(duplicate.status).toBe(200);
      expect(await openidOf(duplicate)).toBe(alice());
      expect(await tokenExchanges(mock)).toBe(1);
      for (let i = 0; i < count; i++) expect((await cancelledTab.me(balancer.url))?.openid).toBe(alice());
    });

    it('a browser that got both answers stays logged in, whichever lands last', async () => {
      const browser = new Browser();
      const callback = await browser.callbackURL(balancer.url);
      await Promise.all([browser.get(callback), browser.get(callback)]);
      for (let i = 0; i < count; i++) expect((await browser.me(balancer.url))?.openid).toBe(alice());
    });

    it('a stranger replaying the callback URL (no cookie, or its own cookies) is never logged in', async () => {
      const browser = new Browser();
      const callback = await browser.callbackURL(balancer.url);
      const withoutCookies = new Browser();
      const withOwnCookies = new Browser();
      await withOwnCookies.callbackURL(balancer.url); // its own session and login nonce
      const [own, none, stranger] = await Promise.all([
        browser.get(callback),
        withoutCookies.get(callback),
        withOwnCookies.get(callback),
      ]);
      expect(own.status).toBe(200);
      expect([none.status, stranger.status]).toEqual([401, 401]);
      expect(await withoutCookies.me(balancer.url)).toBeNull();
      expect(await withOwnCookies.me(balancer.url)).toBeNull();
      expect(await tokenExchanges(mock)).toBe(1);
    });

    it('each of 12 double-callback logins redeems its code exactly once', async () => {
      const logins = Array.from({ length: 12 }, async () => {
        const browser = new Browser();
        const callback = await browser.callbackURL(balancer.url);
        const cancelledTab = browser.fork();
        const answers = await Promise.all([browser.get(callback), cancelledTab.get(callback)]);
        return answers.map((a) => a.status);
      });
      for (const statuses of await Promise.all(logins)) expect(statuses).toEqual([200, 200]);
      expect(await tokenExchanges(mock)).toBe(12);
    });
  },
);

maybe('Redis stopped in the middle of a run (SignedStateStore, two instances)', () => {
  // Memory sessions per instance: only the coordination is in Redis, so the callback reaches the strategy.
  const cluster = clusterFor(['node-redis', 'ioredis'], false, (client) => {
    const options = { commandTimeout: 500 };
    return {
      store: new SignedStateStore({ secret: STATE_SECRET, seen: new RedisSeenStore(client, options) }),
      strategy: { deduplicator: new RedisDeduplicator(client, { ...options, secret: DEDUPE_SECRET }) },
    };
  });

  const openidOf = async (res: Response) => ((await res.json()) as { user?: { openid: string } }).user?.openid;

  it('callbacks end with a WeChatStoreError naming Redis within the timeout, log nobody in, and logins work again after a restart', async () => {
    const { balancer, connections } = cluster;
    const before = new Browser();
    expect((await before.get(await before.callbackURL(balancer.url))).status).toBe(200);

    cluster.redis.stop();
    await cluster.redis.exited;
    for (let i = 0; i < 2; i++) {
      const browser = new Browser();
      const callback = await browser.callbackURL(balancer.url);
      const started = Date.now();
      const res = await browser.get(callback);
      const elapsed = Date.now() - started;
      const body = (await res.json()) as { error?: string; name?: string };
      expect(res.status).toBe(500);
      expect(body.name).toBe('WeChatStoreError');
      expect(body.error).toMatch(/Redis/);
      expect(elapsed).toBeLessThan(3000);
      // Memory sessions per instance: ask both.
      expect(await browser.me(balancer.url)).toBeNull();
      expect(await browser.me(balancer.url)).toBeNull();
    }
    expect(await tokenExchanges(mock)).toBe(1);

    cluster.redis = await startRedis(cluster.redis.port);
    // The clients reconnect on their own (their own backoff); then a new login works.
    const deadline = Date.now() + 20_000;
    while (!connections.every((c) => c.ready()) && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(connections.every((c) => c.ready())).toBe(true);
    const after = new Browser();
    const res = await after.get(await after.callbackURL(balancer.url));
    expect(res.status).toBe(200);
    expect(await openidOf(res)).toBe(mock.openidOf('mp', 'alice'));
    expect(await tokenExchanges(mock)).toBe(2);
  }, 60_000);
});

maybe('a duplicate that fails on another instance (its wait runs out) does not undo the login', () => {
  const cluster = clusterFor(['node-redis', 'node-redis'], true, (client) => ({
    store: new SessionStateStore({ seen: new RedisSeenStore(client) }),
    // The first exchange takes 400 ms ('slow'); the duplicate gives up after 100.
    strategy: { deduplicator: new RedisDeduplicator(client, { secret: DEDUPE_SECRET, waitMs: 100 }) },
  }));

  it('the duplicate fails (login_interrupted, not an error) and sends no session cookie; the browser that got both answers stays logged in', async () => {
    const { balancer, apps } = cluster;
    mock.setFault('/sns/oauth2/access_token', 'slow', 1);
    const browser = new Browser();
    const callback = await browser.callbackURL(balancer.url);
    const first = browser.get(callback);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const duplicate = await browser.get(callback);
    expect(duplicate.status).toBe(401); // the test app answers every fail 401
    expect(((await duplicate.json()) as { failed: { message: string } }).failed.message).toBe('login_interrupted');
    expect(apps.flatMap((app) => app.errors)).toEqual([]);
    expect(duplicate.headers.getSetCookie()).toEqual([]);
    expect((await first).status).toBe(200);
    for (const _ of [1, 2]) expect((await browser.me(balancer.url))?.openid).toBe(mock.openidOf('mp', 'alice'));
    expect(await tokenExchanges(mock)).toBe(1);
  });
});

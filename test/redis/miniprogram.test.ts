/**
 * Mini Program state shared by instances through a real redis-server:
 * session keys (sealed), the access token (one fetch for N instances) and
 * duplicate codes (one jscode2session call across instances). Both clients.
 */
import { createClient } from 'redis';
import IORedis from 'ioredis';
import {
  WeChatAccessTokenManager,
  WeChatAppStrategy,
  WeChatMiniProgramStrategy,
  type VerifyCallback,
  type WeChatAppProfile,
  type WeChatTokenResponse,
} from '../../lib';
import { RedisAccessTokenStore, RedisDeduplicator, RedisSessionKeyStore, type RedisClientLike } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { authenticate, postJSON, requestCount } from '../miniprogram/helpers';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

const SECRET = 'miniprogram-redis-test-secret-0123456789';
const maybe = describeWithRedis('redis Mini Program state');

maybe.each(['node-redis', 'ioredis'] as const)('Mini Program state in Redis through %s', (kind) => {
  let server: ThrowawayRedis;
  let mock: MockWeChat;
  const clients: Array<{ close(): Promise<unknown> }> = [];
  let prefixCounter = 0;

  /** A connected client plus `raw`/`matching` readers for the assertions. */
  async function client(): Promise<{
    client: RedisClientLike;
    raw: (key: string) => Promise<string | null>;
    matching: (pattern: string) => Promise<string[]>;
  }> {
    if (kind === 'node-redis') {
      const c = createClient({ url: server.url });
      await c.connect();
      clients.push({ close: () => c.quit() });
      return { client: c as unknown as RedisClientLike, raw: (k) => c.get(k), matching: (p) => c.keys(p) };
    }
    const c = new IORedis(server.url, { lazyConnect: false });
    clients.push({ close: () => c.quit() });
    return { client: c, raw: (k) => c.get(k), matching: (p) => c.keys(p) };
  }

  /** One instance: its own Redis connection, strategy and token manager, sharing only Redis. */
  async function instance(prefix: string) {
    const { client: redis, raw, matching } = await client();
    const accessTokens = new WeChatAccessTokenManager({
      ...mock.apps.miniprogram,
      apiBaseURL: mock.apiBaseURL,
      store: new RedisAccessTokenStore(redis, { prefix, pollMs: 10 }),
    });
    const strategy = new WeChatMiniProgramStrategy({
      ...mock.apps.miniprogram,
      apiBaseURL: mock.apiBaseURL,
      sessionKeyStore: new RedisSessionKeyStore(redis, { prefix, secret: SECRET }),
      deduplicator: new RedisDeduplicator(redis, { prefix, secret: SECRET, pollMs: 10 }),
      accessTokens,
    });
    return { redis, raw, matching, strategy, accessTokens };
  }

  beforeAll(async () => {
    server = await startRedis();
    mock = await createMockWeChat();
  });
  afterAll(async () => {
    for (const c of clients) await c.close().catch(() => undefined);
    await mock.close();
    server.stop();
    await server.exited;
  });
  beforeEach(() => mock.reset());

  describe('two instances', () => {
    let a: Awaited<ReturnType<typeof instance>>;
    let b: Awaited<ReturnType<typeof instance>>;
    let prefix: string;
    beforeEach(async () => {
      prefix = `t${++prefixCounter}:`;
      a = await instance(prefix);
      b = await instance(prefix);
    });

    it('a duplicate code on the other instance makes no second jscode2session call', async () => {
      const code = mock.miniProgramLogin('alice');
      const [first, second] = await Promise.all([
        authenticate(a.strategy, postJSON({ code })),
        authenticate(b.strategy, postJSON({ code })),
      ]);
      expect(first.kind).toBe('success');
      expect(second).toEqual(first);
      expect(await requestCount(mock, '/sns/jscode2session')).toBe(1);
      const late = await authenticate(b.strategy, postJSON({ code }));
      expect(late).toEqual(first);
      expect(await requestCount(mock, '/sns/jscode2session')).toBe(1);
    });

    it('an App code submitted to both instances is exchanged once; the other runs verify with the sealed token response', async () => {
      const verified: string[] = [];
      const appStrategy = (redis: RedisClientLike, label: string) =>
        new WeChatAppStrategy(
          {
            ...mock.apps.app,
            apiBaseURL: mock.apiBaseURL,
            deduplicator: new RedisDeduplicator(redis, { prefix, secret: SECRET, pollMs: 10 }),
          },
          (_a: string, _r: string, params: WeChatTokenResponse, profile: WeChatAppProfile, done: VerifyCallback) => {
            verified.push(label);
            done(null, { openid: profile.openid, scope: params.scope });
          },
        );
      const code = mock.appLogin('bob');
      const [x, y] = await Promise.all([
        authenticate(appStrategy(a.redis, 'a'), postJSON({ code })),
        authenticate(appStrategy(b.redis, 'b'), postJSON({ code })),
      ]);
      expect(x).toMatchObject({
        kind: 'success',
        user: { openid: mock.openidOf('app', 'bob'), scope: 'snsapi_userinfo' },
      });
      expect(y).toEqual(x);
      expect(verified.sort()).toEqual(['a', 'b']);
      expect(await requestCount(mock, '/sns/oauth2/access_token')).toBe(1);
    });

    it('the session_key stored by one instance decrypts data on the other, and Redis holds it sealed', async () => {
      expect((await authenticate(a.strategy, postJSON({ code: mock.miniProgramLogin('bob') }))).kind).toBe('success');
      const openid = mock.openidOf('miniprogram', 'bob');
      const data = mock.encryptedDataFor('bob', { hello: 'world' });
      expect(await b.strategy.decryptData(openid, data.encryptedData, data.iv)).toMatchObject({ hello: 'world' });
      const keys = await a.matching(`${prefix}mp-session:*`);
      expect(keys).toHaveLength(1);
      const stored = (await a.raw(keys[0])) as string;
      expect(keys[0]).not.toContain(openid);
      const other = new RedisSessionKeyStore(a.redis, { prefix, secret: 'a-different-secret-0123456789abcdefgh' });
      expect(await other.get(mock.apps.miniprogram.appID, openid)).toBeUndefined();
      const plain = (await new RedisSessionKeyStore(a.redis, { prefix, secret: SECRET }).get(
        mock.apps.miniprogram.appID,
        openid,
      )) as string;
      expect(plain).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(stored).not.toContain(plain);
      await new RedisSessionKeyStore(a.redis, { prefix, secret: SECRET }).delete(mock.apps.miniprogram.appID, openid);
      await expect(b.strategy.decryptData(openid, data.encryptedData, data.iv)).rejects.toMatchObject({
        code: 'no_session_key',
      });
    });

    it('share one access token: 50 concurrent calls on each make 1 upstream call', async () => {
      const tokens = await Promise.all([
        ...Array.from({ length: 50 }, () => a.accessTokens.getAccessToken()),
        ...Array.from({ length: 50 }, () => b.accessTokens.getAccessToken()),
      ]);
      expect(new Set(tokens).size).toBe(1);
      expect(await requestCount(mock, '/cgi-bin/stable_token')).toBe(1);
    });

    it('a 40001 on one instance makes one re-fetch for both', async () => {
      const old = await a.accessTokens.getAccessToken();
      await b.accessTokens.getAccessToken();
      const { appID, appSecret } = mock.apps.miniprogram;
      await fetch(`${mock.url}/cgi-bin/stable_token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ grant_type: 'client_credential', appid: appID, secret: appSecret, force_refresh: true }),
      });
      const before = await requestCount(mock, '/cgi-bin/stable_token');
      await a.strategy.getPhoneNumber(mock.phoneCode('alice'));
      expect(await requestCount(mock, '/cgi-bin/stable_token')).toBe(before + 1);
      const fresh = await a.accessTokens.getAccessToken();
      expect(fresh).not.toBe(old);
      // b still holds the old token in memory; its 40001 invalidates nothing newer in Redis and reads the fresh one.
      await b.strategy.getPhoneNumber(mock.phoneCode('bob'));
      expect(await b.accessTokens.getAccessToken()).toBe(fresh);
      expect(await requestCount(mock, '/cgi-bin/stable_token')).toBe(before + 1);
    });

    it('an instance whose fetch fails releases the lock so the other can fetch', async () => {
      const store = new RedisAccessTokenStore(a.redis, { prefix, pollMs: 10 });
      await expect(store.fetchOnce('wxfail', () => Promise.reject(new Error('upstream down')))).rejects.toThrow(
        'upstream down',
      );
      const token = await store.fetchOnce('wxfail', async () => ({ accessToken: 'T', expiresAt: Date.now() + 60_000 }));
      expect(token.accessToken).toBe('T');
      expect(await store.get('wxfail')).toEqual(token);
    });

    it('a waiting instance gives up with WeChatStoreError when the holder never writes', async () => {
      const holder = new RedisAccessTokenStore(a.redis, { prefix, lockMs: 5000 });
      const waiter = new RedisAccessTokenStore(b.redis, { prefix, waitMs: 150, pollMs: 20 });
      let release: () => void = () => undefined;
      const slow = holder.fetchOnce(
        'wxslow',
        () => new Promise((resolve) => (release = () => resolve({ accessToken: 'S', expiresAt: Date.now() + 60_000 }))),
      );
      await new Promise((r) => setTimeout(r, 30));
      await expect(
        waiter.fetchOnce('wxslow', async () => ({ accessToken: 'W', expiresAt: Date.now() + 60_000 })),
      ).rejects.toMatchObject({ name: 'WeChatStoreError', reason: 'timeout' });
      release();
      await slow;
      expect(
        await waiter.fetchOnce('wxslow', async () => ({ accessToken: 'W', expiresAt: Date.now() + 60_000 })),
      ).toMatchObject({ accessToken: 'S' });
    });
  });
});

/**
 * The Redis building blocks on their own, against a real redis-server: the
 * command wrapper (both clients, deadlines, errors), RedisSeenStore and
 * RedisDeduplicator (what it writes, what a duplicate gets back, and every
 * way a wait can end). Skipped with a notice when redis-server is missing,
 * unless REQUIRE_REDIS=1.
 */
import { inspect } from 'node:util';
import { createClient, type RedisClientType } from 'redis';
import IORedis from 'ioredis';
import { WeChatAPIError, WeChatLoginInterruptedError, WeChatStoreError, WeChatTransportError } from '../../lib';
import type { CallbackOutcome } from '../../lib/coordination/dedupe';
import { follow, lead } from '../helpers/dedupe';
import { RedisCommands, RedisDeduplicator, RedisSeenStore, type RedisClientLike } from '../../lib/redis';
import { Sealer } from '../../lib/coordination/seal';
import { describeWithRedis, startRedis, type ThrowawayRedis } from '../helpers/processes';

const SECRET = 'redis-store-test-secret-0123456789abcdef';
const maybe = describeWithRedis('redis stores');

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('RedisCommands without a usable client', () => {
  it('refuses an object that is neither node-redis nor ioredis', () => {
    expect(() => new RedisCommands({} as RedisClientLike)).toThrow(/node-redis \(v4 or later\) or ioredis/);
  });

  it('turns a client that throws synchronously into a WeChatStoreError', async () => {
    const redis = new RedisCommands({
      sendCommand: () => {
        throw new Error('The client is closed');
      },
    });
    await expect(redis.get('k')).rejects.toMatchObject({
      name: 'WeChatStoreError',
      store: 'redis',
      reason: 'unavailable',
      message: expect.stringMatching(/Redis GET failed \(The client is closed\)/),
    });
  });

  it('turns a non-Error rejection into a WeChatStoreError', async () => {
    const redis = new RedisCommands({ sendCommand: () => Promise.reject('boom') });
    await expect(redis.del('k')).rejects.toMatchObject({
      reason: 'unavailable',
      message: expect.stringContaining('boom'),
    });
  });

  it('gives up on a command with no answer after commandTimeout', async () => {
    const redis = new RedisCommands({ sendCommand: () => new Promise(() => undefined) }, { commandTimeout: 50 });
    const started = Date.now();
    const err = await redis.set('k', 'v', 1000, true).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WeChatStoreError);
    expect((err as WeChatStoreError).reason).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});

describe('Sealer', () => {
  it('opens what it sealed, and nothing sealed with another key or tampered with', () => {
    const sealer = new Sealer(SECRET, 'test');
    const box = sealer.seal('{"access_token":"T"}');
    expect(box).not.toContain('access_token');
    expect(sealer.open(box)).toBe('{"access_token":"T"}');
    expect(new Sealer(`${SECRET}x`, 'test').open(box)).toBeUndefined();
    expect(new Sealer(SECRET, 'other purpose').open(box)).toBeUndefined();
    const tampered = Buffer.from(box, 'base64url');
    tampered[tampered.length - 1] ^= 1;
    expect(sealer.open(tampered.toString('base64url'))).toBeUndefined();
    expect(sealer.open('short')).toBeUndefined();
  });

  it('needs a secret of 32 characters or more, and never shows its key', () => {
    expect(() => new Sealer('too-short', 'RedisDeduplicator')).toThrow(
      /RedisDeduplicator: options.secret must be at least 32 characters/,
    );
    expect(() => new Sealer(undefined as unknown as string, 'X')).toThrow(TypeError);
    const shown =
      inspect(new Sealer(SECRET, 'test'), { showHidden: true, depth: Infinity }) +
      JSON.stringify(new Sealer(SECRET, 'test'));
    expect(shown).not.toContain(SECRET);
  });
});

maybe.each(['node-redis', 'ioredis'] as const)('on a real Redis through %s', (kind) => {
  let server: ThrowawayRedis;
  let client: RedisClientLike & { quit(): Promise<unknown> };
  let raw: RedisCommands;

  beforeAll(async () => {
    server = await startRedis();
    if (kind === 'ioredis') {
      const io = new IORedis(server.url, { lazyConnect: true });
      await io.connect();
      client = io;
    } else {
      const node = createClient({ url: server.url }) as RedisClientType;
      await node.connect();
      client = node;
    }
    raw = new RedisCommands(client, { prefix: '' });
  });
  afterAll(async () => {
    await client?.quit().catch(() => undefined);
    server?.stop();
  });

  describe('RedisSeenStore', () => {
    it('accepts a key once across stores sharing the server, keeps it no longer than its TTL, and stores only its hash', async () => {
      const a = new RedisSeenStore(client);
      const b = new RedisSeenStore(client);
      expect(await a.add('state-id-1', 300)).toBe(true);
      expect(await b.add('state-id-1', 300)).toBe(false);
      const keys = (await raw.run(['KEYS', 'wechat:seen:*'])) as string[];
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.join()).not.toContain('state-id-1');
      await sleep(400);
      expect(await b.add('state-id-1', 300)).toBe(true);
    });
  });

  describe('RedisDeduplicator', () => {
    const options = { secret: SECRET, pollMs: 5 };

    it('the first caller leads, a duplicate from another instance follows and gets the outcome once settled', async () => {
      const a = new RedisDeduplicator(client, options);
      const b = new RedisDeduplicator(client, options);
      const settle = lead(await a.begin('k1'));
      const waiting = follow(await b.begin('k1'));
      settle({
        kind: 'success',
        user: { id: 'local only' },
        info: { state: { returnTo: '/x' } },
        login: { accessToken: 'ACCESS-T', profile: { openid: 'o1' } },
      });
      // The user object never crosses processes; the login does, sealed.
      await expect(waiting).resolves.toEqual({
        kind: 'success',
        info: { state: { returnTo: '/x' } },
        login: { accessToken: 'ACCESS-T', profile: { openid: 'o1' } },
      });
      const stored = await raw.get('wechat:dedupe:k1');
      expect(stored).toMatch(/^s:/);
      expect(stored).not.toContain('ACCESS-T');
      expect(stored).not.toContain('o1');
      expect(Number(await raw.run(['PTTL', 'wechat:dedupe:k1']))).toBeLessThanOrEqual(10_000);
    });

    it('replays a failure with its public challenge and status', async () => {
      const a = new RedisDeduplicator(client, options);
      lead(await a.begin('k2'))({ kind: 'fail', challenge: { message: 'invalid_code', errcode: 40163 }, status: 400 });
      await expect(follow(await a.begin('k2'))).resolves.toEqual({
        kind: 'fail',
        challenge: { message: 'invalid_code', errcode: 40163 },
        status: 400,
      });
      lead(await a.begin('k2b'))({ kind: 'fail', challenge: { message: 'invalid_state' } }, { remember: false });
      expect(Number(await raw.run(['PTTL', 'wechat:dedupe:k2b']))).toBeLessThanOrEqual(2000);
      await expect(follow(await a.begin('k2b'))).resolves.toEqual({
        kind: 'fail',
        challenge: { message: 'invalid_state' },
        status: undefined,
      });
    });

    it.each<[string, Error, ErrorConstructor | typeof WeChatAPIError | typeof WeChatTransportError]>([
      ['a WeChatAPIError', new WeChatAPIError(-1, 'system error, rid: 1', '/sns/userinfo'), WeChatAPIError],
      [
        'a WeChatTransportError',
        new WeChatTransportError(
          '/sns/oauth2/access_token',
          'api.weixin.qq.com',
          'timeout',
          'no answer within 5000 ms',
        ),
        WeChatTransportError,
      ],
      ['any other error (as an Error with its name)', new TypeError('verify exploded'), Error],
    ])('replays %s as the same type and message', async (_name, error, type) => {
      const a = new RedisDeduplicator(client, options);
      const key = `k3-${error.name}`;
      lead(await a.begin(key))({ kind: 'error', error });
      const outcome = (await follow(await a.begin(key))) as Extract<CallbackOutcome, { kind: 'error' }>;
      expect(outcome.error.constructor).toBe(type);
      expect(outcome.error.name).toBe(error.name);
      expect(outcome.error.message).toBe(error.message);
      if (error instanceof WeChatAPIError) expect((outcome.error as WeChatAPIError).retryable).toBe(error.retryable);
    });

    it('keeps a WeChatAPIError marked retryable (45011, the per-user quota) retryable', async () => {
      const a = new RedisDeduplicator(client, options);
      lead(await a.begin('k3-quota'))({
        kind: 'error',
        error: new WeChatAPIError(45011, 'api minute-quota reach limit', '/sns/jscode2session', { retryable: true }),
      });
      const outcome = (await follow(await a.begin('k3-quota'))) as Extract<CallbackOutcome, { kind: 'error' }>;
      expect(outcome.error).toBeInstanceOf(WeChatAPIError);
      expect((outcome.error as WeChatAPIError).retryable).toBe(true);
    });

    it('a duplicate waits at most waitMs for a first request that never settles, then is interrupted (not a store error)', async () => {
      const a = new RedisDeduplicator(client, { ...options, waitMs: 100 });
      lead(await a.begin('k4'));
      const started = Date.now();
      const waited = follow(await a.begin('k4'));
      await expect(waited).rejects.toBeInstanceOf(WeChatLoginInterruptedError);
      await expect(waited).rejects.toMatchObject({ reason: 'wait_expired' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });

    it('a duplicate whose first request vanished (its key expired unsettled) is interrupted, not a login', async () => {
      const a = new RedisDeduplicator(client, { ...options, windowMs: 150 });
      lead(await a.begin('k5'));
      const waited = follow(await a.begin('k5'));
      await expect(waited).rejects.toBeInstanceOf(WeChatLoginInterruptedError);
      await expect(waited).rejects.toMatchObject({ reason: 'outcome_gone' });
    });

    it("instances with different secrets cannot read each other's logins", async () => {
      const a = new RedisDeduplicator(client, options);
      const b = new RedisDeduplicator(client, { ...options, secret: `${SECRET}-other` });
      lead(await a.begin('k6'))({ kind: 'success', login: { accessToken: 'T' } });
      await expect(follow(await b.begin('k6'))).rejects.toMatchObject({
        reason: 'no_outcome',
        message: expect.stringMatching(/secrets differ/),
      });
    });

    it('needs a secret', () => {
      expect(() => new RedisDeduplicator(client, { secret: 'short' })).toThrow(/at least 32 characters/);
    });
  });
});

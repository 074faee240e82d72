import { randomBytes } from 'node:crypto';
import type { AccessTokenStore, CachedAccessToken } from '../tokens/store.js';
import { WeChatStoreError } from '../transport/errors.js';
import { RedisCommands, type RedisClientLike, type RedisStoreOptions } from './client.js';

export interface RedisAccessTokenStoreOptions extends RedisStoreOptions {
  /**
   * How long one instance may hold the fetch lock, in ms (default 10 s: longer
   * than a fetch with failover). It is also how long the others wait at most
   * when the holder dies mid-fetch: the lock then expires and one of them fetches.
   */
  lockMs?: number;
  /** How long an instance waits for another one's fetch, in ms (default 10 s; keep it at least `lockMs`). */
  waitMs?: number;
  /** How often a waiting instance looks for the token, in ms (default 50). */
  pollMs?: number;
}

/** Deletes KEYS[1] only while it holds ARGV[1]: a lock released late never frees someone else's. */
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";
/** Deletes the cached token only while it is still the one that failed: a newer token stays. */
const INVALIDATE =
  "local v = redis.call('GET', KEYS[1]) if v and cjson.decode(v).accessToken == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/**
 * An {@link AccessTokenStore} on Redis: the token under `access-token:<appID>`
 * until it expires, and a fetch lock (`SET NX PX` with a random owner id,
 * released by compare-and-delete) so that N instances make one upstream call;
 * the others poll for the token it writes (miniprogram-protocol.md §5, "one
 * 中控服务器 refreshes into shared storage").
 */
export class RedisAccessTokenStore implements AccessTokenStore {
  private readonly redis: RedisCommands;
  private readonly lockMs: number;
  private readonly waitMs: number;
  private readonly pollMs: number;

  constructor(client: RedisClientLike, options: RedisAccessTokenStoreOptions = {}) {
    this.redis = new RedisCommands(client, options);
    this.lockMs = options.lockMs ?? 10_000;
    this.waitMs = options.waitMs ?? 10_000;
    this.pollMs = options.pollMs ?? 50;
  }

  async get(appID: string): Promise<CachedAccessToken | undefined> {
    const value = await this.redis.get(`access-token:${appID}`);
    if (value === undefined) return undefined;
    try {
      const token = JSON.parse(value) as CachedAccessToken;
      return typeof token.accessToken === 'string' && typeof token.expiresAt === 'number' ? token : undefined;
    } catch {
      return undefined;
    }
  }

  async fetchOnce(appID: string, fetch: () => Promise<CachedAccessToken>): Promise<CachedAccessToken> {
    const lock = `access-token-lock:${appID}`;
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      const owner = randomBytes(12).toString('base64url');
      if (await this.redis.set(lock, owner, this.lockMs, true)) {
        try {
          // Another instance may have written a token between our read and the lock.
          const current = await this.get(appID);
          if (current && current.expiresAt > Date.now()) return current;
          const token = await fetch();
          await this.redis.set(
            `access-token:${appID}`,
            JSON.stringify(token),
            Math.max(1, token.expiresAt - Date.now()),
            false,
          );
          return token;
        } finally {
          await this.redis.evaluate(RELEASE, [lock], [owner]).catch(() => undefined);
        }
      }
      // Someone else is fetching: wait for the token it writes, or for its lock
      // to go (its fetch failed, or its instance died and the lock's TTL ran
      // out), then try again. The lock is looked at before the deadline: with
      // waitMs equal to lockMs (the defaults), a waiter that arrived just after
      // a holder that died would otherwise give up just as it could fetch.
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, this.pollMs));
        const token = await this.get(appID);
        if (token && token.expiresAt > Date.now()) return token;
        if ((await this.redis.get(lock)) === undefined) break;
        if (Date.now() >= deadline) {
          throw new WeChatStoreError(
            'redis',
            'timeout',
            `Waited ${this.waitMs} ms for another instance to fetch the access token of ${appID}.`,
          );
        }
      }
    }
  }

  async invalidate(appID: string, accessToken: string): Promise<void> {
    await this.redis.evaluate(INVALIDATE, [`access-token:${appID}`], [accessToken]);
  }
}

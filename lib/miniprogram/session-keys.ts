import { ExpiringMap } from '../coordination/expiring-map.js';

/**
 * Where the Mini Program strategy keeps each user's `session_key`, keyed by
 * appID + openid. Only the latest key is kept: a newer `wx.login` displaces
 * the old one at WeChat too (miniprogram-protocol.md §2.1). The default is
 * {@link MemorySessionKeyStore}; `RedisSessionKeyStore` in
 * `passport-wechat-oauth2/redis` shares keys between instances.
 */
export interface SessionKeyStore {
  get(appID: string, openid: string): string | undefined | Promise<string | undefined>;
  set(appID: string, openid: string, sessionKey: string): void | Promise<void>;
  delete(appID: string, openid: string): void | Promise<void>;
}

export interface MemorySessionKeyStoreOptions {
  /** Bound on remembered keys, oldest evicted first (default 100,000). */
  maxEntries?: number;
  /**
   * How long a key is kept, in ms (default 3 days). WeChat does not publish
   * the lifetime ("天级别"); a key older than this is most likely dead (§2.1).
   */
  ttlMs?: number;
}

/**
 * The default {@link SessionKeyStore}: in this process, bounded. The keys sit
 * in a `#private` field, so `util.inspect` of the store (or of a strategy
 * holding it) cannot print them.
 */
export class MemorySessionKeyStore implements SessionKeyStore {
  readonly #entries: ExpiringMap<{ key: string; expires: number }>;
  readonly #ttlMs: number;

  constructor(options: MemorySessionKeyStoreOptions = {}) {
    this.#entries = new ExpiringMap(options.maxEntries ?? 100_000);
    this.#ttlMs = options.ttlMs ?? 3 * 24 * 3600_000;
  }

  get(appID: string, openid: string): string | undefined {
    return this.#entries.get(storeKey(appID, openid))?.key;
  }

  set(appID: string, openid: string, sessionKey: string): void {
    this.#entries.set(storeKey(appID, openid), { key: sessionKey, expires: Date.now() + this.#ttlMs });
  }

  delete(appID: string, openid: string): void {
    const k = storeKey(appID, openid);
    const entry = this.#entries.get(k);
    if (entry) this.#entries.delete(k, entry);
  }

  get size(): number {
    return this.#entries.size;
  }
}

function storeKey(appID: string, openid: string): string {
  return `${appID}\0${openid}`;
}

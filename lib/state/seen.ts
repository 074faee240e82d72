import { ExpiringMap } from '../coordination/expiring-map.js';

/**
 * Remembers which signed states were already consumed, so that one cannot be
 * replayed inside its lifetime. Implement it on a shared store for clusters.
 *
 * A Redis implementation is one command, atomic across instances:
 *
 * ```ts
 * const seen: SeenStore = {
 *   async add(key, ttlMs) {
 *     return (await redis.set(`wechat:state:${key}`, '1', { NX: true, PX: ttlMs })) === 'OK';
 *   },
 * };
 * ```
 */
export interface SeenStore {
  /** Record `key` for `ttlMs` ms. Resolve `true` if it was new, `false` if it was already recorded. */
  add(key: string, ttlMs: number): Promise<boolean> | boolean;
}

/**
 * The default {@link SeenStore}: in-process, bounded (oldest entries are
 * evicted first), expired entries dropped as they are met. Per process only:
 * a cluster needs a shared store (see the Redis example above).
 */
export class MemorySeenStore implements SeenStore {
  private readonly entries: ExpiringMap<{ expires: number }>;

  constructor(maxEntries = 100_000) {
    this.entries = new ExpiringMap(maxEntries);
  }

  add(key: string, ttlMs: number): boolean {
    const now = Date.now();
    if (this.entries.get(key, now)) return false;
    this.entries.set(key, { expires: now + ttlMs }, now);
    return true;
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * A size-bounded map whose entries expire: what both the double-callback
 * deduplicator and the in-memory seen-store need. A Map iterates in insertion
 * order, which is age order here, so eviction walks from the front: expired
 * entries, and the oldest ones while the map is over its bound.
 */
export class ExpiringMap<V extends { expires: number }> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly maxEntries: number) {}

  /** The entry for `key`, unless it has expired. */
  get(key: string, now = Date.now()): V | undefined {
    const entry = this.entries.get(key);
    return entry && entry.expires > now ? entry : undefined;
  }

  /** Stores `value` as the newest entry (replacing any old one for `key`), then evicts. */
  set(key: string, value: V, now = Date.now()): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.maxEntries && entry.expires > now) break;
      this.entries.delete(oldest);
    }
  }

  /** Removes `key`, but only while it still maps to `value` (a newer entry under the key stays). */
  delete(key: string, value: V): void {
    if (this.entries.get(key) === value) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}

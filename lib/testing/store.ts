/**
 * A size-capped map whose entries carry an expiry time.
 *
 * Load tests push tens of thousands of logins through one emulator, so every store must stay
 * bounded: entries are evicted oldest-first once `cap` is exceeded, and entries that expired more
 * than `graceMs` ago are swept from the head on each insert. Expired entries are kept during the
 * grace period on purpose, so that the API can answer "expired" (42001/42002) rather than "invalid".
 */
export interface Expiring {
  expiresAt: number;
}

export class BoundedStore<V extends Expiring> {
  private readonly map = new Map<string, V>();

  constructor(
    private readonly cap: number,
    private readonly graceMs: number,
  ) {}

  get size(): number {
    return this.map.size;
  }

  /** The entry, or undefined if unknown or past its grace period. May return an expired entry. */
  get(key: string, now = Date.now()): V | undefined {
    const v = this.map.get(key);
    if (v && v.expiresAt + this.graceMs <= now) {
      this.map.delete(key);
      return undefined;
    }
    return v;
  }

  /** Inserts or replaces; a replaced entry moves to the tail so eviction order follows freshness. */
  set(key: string, value: V, now = Date.now()): void {
    this.map.delete(key);
    this.map.set(key, value);
    this.evict(now);
  }

  delete(key: string): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  /** A snapshot of the entries (expired ones included), safe to iterate while setting or deleting. */
  entries(): Array<[string, V]> {
    return [...this.map];
  }

  private evict(now: number): void {
    for (const [key, v] of this.map) {
      // Oldest first: drop while over capacity or stale; stop at the first live entry so inserts stay O(1) amortised.
      if (this.map.size > this.cap || v.expiresAt + this.graceMs <= now) this.map.delete(key);
      else break;
    }
  }
}

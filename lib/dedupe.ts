import { createHash } from 'node:crypto';
import { ExpiringMap } from './expiring-map.js';

/** How a callback ended, replayable onto a duplicate of it. */
export type CallbackOutcome =
  | { kind: 'success'; user: unknown; info?: unknown }
  | { kind: 'fail'; challenge: unknown; status?: number }
  | { kind: 'error'; error: Error };

interface Entry {
  outcome?: CallbackOutcome;
  waiters: Array<(outcome: CallbackOutcome) => void>;
  expires: number;
}

/**
 * WeChat's in-app browser sometimes opens the callback twice with the same
 * code and state (wechat-protocol.md §2.2; WxJava#388, laravel-wechat#96).
 * The code is single-use, so the second exchange would get 40163 and the
 * second response would undo the first. This remembers, for a short window,
 * how a callback from one *browser* ended, so its duplicate joins the
 * exchange in flight (or replays its outcome) instead of redeeming the code
 * again. Entries are keyed by a hash of state, code and a browser key (the
 * session id or the state store's nonce cookie): the same URL from another
 * browser never matches. Bounded; oldest entries are evicted first.
 */
export class CallbackDeduplicator {
  private readonly entries: ExpiringMap<Entry>;

  /**
   * @param windowMs how long a callback still in flight is remembered
   * @param maxEntries bound on remembered callbacks (oldest evicted first)
   * @param settledMs how long a finished callback is remembered: WeChat's
   *   duplicates arrive within a second or two, and the outcome holds the
   *   verified user, which should not linger in memory
   */
  constructor(
    private readonly windowMs = 2 * 60 * 1000,
    maxEntries = 10_000,
    private readonly settledMs = 10_000,
  ) {
    this.entries = new ExpiringMap(maxEntries);
  }

  static key(state: string, code: string, browserKey: string): string {
    return createHash('sha256').update(`${state}\0${code}\0${browserKey}`).digest('hex');
  }

  /**
   * Returns `settle` when this is the first callback with `key` (the caller
   * runs the login and must call `settle` with its outcome), or `undefined`
   * after arranging for `replay` to receive the first callback's outcome.
   */
  begin(key: string, replay: (outcome: CallbackOutcome) => void): ((outcome: CallbackOutcome) => void) | undefined {
    const now = Date.now();
    const existing = this.entries.get(key, now);
    if (existing) {
      if (existing.outcome) replay(existing.outcome);
      else existing.waiters.push(replay);
      return undefined;
    }
    const entry: Entry = { waiters: [], expires: now + this.windowMs };
    // An evicted entry still in flight settles its waiters: they hold the entry, not the map.
    this.entries.set(key, entry, now);
    return (outcome) => {
      if (entry.outcome) return;
      entry.outcome = outcome;
      entry.expires = Math.min(entry.expires, Date.now() + this.settledMs);
      for (const waiter of entry.waiters.splice(0)) waiter(outcome);
    };
  }

  get size(): number {
    return this.entries.size;
  }
}

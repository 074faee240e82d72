import { createHash } from 'node:crypto';
import { ExpiringMap } from './expiring-map.js';

/**
 * How a login request ended, replayable onto a duplicate of it.
 *
 * `user` is the verified user and only ever crosses within one process.
 * `login` is what a process that did not run the login needs to run the
 * strategy's verify itself (token response and profile for `WeChatStrategy`,
 * the profile for the Mini Program strategy): plain JSON, which a shared
 * deduplicator must encrypt before it writes it anywhere.
 */
export type CallbackOutcome =
  | { kind: 'success'; user?: unknown; info?: unknown; login?: unknown }
  | { kind: 'fail'; challenge: unknown; status?: number }
  | { kind: 'error'; error: Error };

/** What {@link CallbackDeduplicator.begin} hands back. */
export type DedupeTicket =
  | {
      role: 'leader';
      /**
       * Report how the login ended; duplicates waiting on it get this outcome.
       * `remember: false` forgets the key once waiters are served (used for
       * callbacks whose state did not verify, so junk cannot crowd out real
       * logins). Never rejects.
       */
      settle(outcome: CallbackOutcome, options?: { remember?: boolean }): void;
    }
  | {
      role: 'follower';
      /**
       * The leader's outcome. Rejects with a `WeChatLoginInterruptedError` when
       * the store answers but the leader never settles within the wait bound
       * (its instance died: the request fails with `login_interrupted`), and
       * with a `WeChatStoreError` when the store itself fails (an error).
       */
      outcome: Promise<CallbackOutcome>;
    };

/**
 * Single-flight for login requests that redeem a single-use code: the first
 * request with a key leads (runs the login), every other one with the same key
 * follows (gets the leader's outcome). The default is in-process
 * ({@link MemoryDeduplicator}); `passport-wechat-oauth2/redis` has one shared
 * by every instance behind a load balancer.
 */
export interface CallbackDeduplicator {
  begin(key: string): DedupeTicket | Promise<DedupeTicket>;
}

/** The key for one login request: a hash, so no code or cookie value is kept or sent anywhere. */
export function dedupeKey(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\0')).digest('base64url');
}

interface Entry {
  outcome?: CallbackOutcome;
  waiters: Array<(outcome: CallbackOutcome) => void>;
  expires: number;
}

export interface MemoryDeduplicatorOptions {
  /** How long a login still in flight is remembered, in ms (default 2 minutes). */
  windowMs?: number;
  /**
   * How long a finished login is remembered, in ms (default 10 s): WeChat's
   * duplicates arrive within a second or two, and the outcome holds the
   * verified user, which should not linger in memory.
   */
  settledMs?: number;
  /** Bound on remembered logins, oldest evicted first (default 10,000). */
  maxEntries?: number;
}

/**
 * The default {@link CallbackDeduplicator}: in-process and bounded.
 *
 * WeChat's in-app browser sometimes opens the callback twice with the same
 * code and state (wechat-protocol.md §2.2; WxJava#388, laravel-wechat#96).
 * The code is single-use, so a second exchange would get 40163 and the second
 * response would undo the first. A duplicate joins the exchange in flight (or
 * replays its outcome) instead of redeeming the code again.
 */
export class MemoryDeduplicator implements CallbackDeduplicator {
  private readonly entries: ExpiringMap<Entry>;
  private readonly windowMs: number;
  private readonly settledMs: number;

  constructor(options: MemoryDeduplicatorOptions = {}) {
    this.windowMs = options.windowMs ?? 2 * 60 * 1000;
    this.settledMs = options.settledMs ?? 10_000;
    this.entries = new ExpiringMap(options.maxEntries ?? 10_000);
  }

  begin(key: string): DedupeTicket {
    const now = Date.now();
    const existing = this.entries.get(key, now);
    if (existing) {
      const outcome = existing.outcome;
      return {
        role: 'follower',
        outcome: outcome ? Promise.resolve(outcome) : new Promise((resolve) => existing.waiters.push(resolve)),
      };
    }
    const entry: Entry = { waiters: [], expires: now + this.windowMs };
    // An evicted entry still in flight settles its waiters: they hold the entry, not the map.
    this.entries.set(key, entry, now);
    return {
      role: 'leader',
      settle: (outcome, options) => {
        if (entry.outcome) return;
        // Followers in this process reuse the verified user: the replayable
        // login (token response, profile) is only for a shared deduplicator,
        // and would hold every login's tokens in memory for settledMs.
        entry.outcome =
          outcome.kind === 'success' && outcome.user !== undefined ? { ...outcome, login: undefined } : outcome;
        entry.expires = Math.min(entry.expires, Date.now() + this.settledMs);
        if (options?.remember === false) this.entries.delete(key, entry);
        for (const waiter of entry.waiters.splice(0)) waiter(outcome);
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * Mini Program state an emulator instance holds: each user's live `session_key`, risk blocks, the
 * per-user jscode2session quota and phone-number codes (miniprogram-protocol.md §1–§4). Kept apart
 * from `miniprogram.ts` (which reads the context) so that `context.ts` can own it without an import circle.
 */
import type { AppRecord } from './apps.js';
import { randomSessionKey } from './ids.js';
import { BoundedStore, type Expiring } from './store.js';
import type { MockUser } from './types.js';

/** A phone-number code: single use, 5 minutes from the tap, bound to the Mini Program (§4.2). */
export interface PhoneCodeRecord extends Expiring {
  app: AppRecord;
  user: MockUser;
  used: boolean;
}

const QUOTA_WINDOW_MS = 60_000;
/** Bound on remembered session keys and quota windows: openids are per app and user, so this is never reached by fixed users. */
const MAX_KEYS = 100_000;

export class MiniProgramState {
  /** One live session_key per openid: a newer one displaces the old (§2.1). */
  readonly sessionKeys = new Map<string, string>();
  /** User keys WeChat treats as high-risk: their codes answer 40226 (§1). */
  readonly blocked = new Set<string>();
  /** jscode2session calls per user in the current minute (45011 beyond the quota, §1). */
  readonly quota = new Map<string, { windowStart: number; count: number }>();
  readonly phoneCodes: BoundedStore<PhoneCodeRecord>;

  constructor(cap: number) {
    this.phoneCodes = new BoundedStore<PhoneCodeRecord>(cap, 0);
  }

  /** The current key of `openid`, a fresh one when `rotate` or when it has none yet. */
  sessionKey(openid: string, rotate: boolean): string {
    let key = this.sessionKeys.get(openid);
    if (key === undefined || rotate) {
      key = randomSessionKey();
      this.sessionKeys.delete(openid);
      this.sessionKeys.set(openid, key);
      if (this.sessionKeys.size > MAX_KEYS) this.sessionKeys.delete(this.sessionKeys.keys().next().value as string);
    }
    return key;
  }

  /** Counts one jscode2session call of `userKey`; false once the minute's quota is spent. */
  takeQuota(userKey: string, limit: number, now = Date.now()): boolean {
    let window = this.quota.get(userKey);
    if (!window || now - window.windowStart >= QUOTA_WINDOW_MS) {
      window = { windowStart: now, count: 0 };
      this.quota.set(userKey, window);
      if (this.quota.size > MAX_KEYS) this.quota.delete(this.quota.keys().next().value as string);
    }
    window.count++;
    return window.count <= limit;
  }

  clear(): void {
    this.sessionKeys.clear();
    this.blocked.clear();
    this.quota.clear();
    this.phoneCodes.clear();
  }
}

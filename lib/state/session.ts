import type { Request } from 'express';
import { sessionAdvice } from './cookies.js';
import { randomAlphanumeric } from './random.js';
import type { SeenStore } from './seen.js';
import {
  invalidState,
  type StateMeta,
  type StoreCallback,
  type VerifyStateCallback,
  type WeChatStateStore,
} from './types.js';

export interface SessionStateStoreOptions {
  /** Session key, default `wechat:oauth2`. */
  key?: string;
  /** How long a login may take, in ms (default 10 minutes, the website code lifetime, §2.2). */
  maxAge?: number;
  /** Pending logins kept per session (several tabs), oldest dropped first. Default 8. */
  maxPending?: number;
  /**
   * Where consumed states are claimed, once, before the code is redeemed.
   * With several instances pass one they share (`RedisSeenStore` from
   * `passport-wechat-oauth2/redis`): two instances can load the same session
   * at once, and only the claim decides which of them redeems the code.
   * Default: none. In one process the two copies of a double callback carry
   * the same cookies, so the strategy's duplicate memory already hands the
   * second one the first one's outcome; a per-process claim list would only
   * hold every state for its lifetime (the benchmark's memory soak).
   */
  seen?: SeenStore;
}

interface PendingLogin {
  /** The state sent to WeChat. */
  handle: string;
  /** The appid the login was started with: a state is only good for that app. */
  appID: string;
  expires: number;
  appState?: unknown;
}

/**
 * Pending logins are a short list of same-shaped records, not an object keyed
 * by state: a random property name in every session makes each JSON.parse of
 * the session build a new hidden class, which the session store pays on every
 * request (bench/results/profile-notes.md).
 */
type SessionBag = Record<string, unknown>;

/**
 * The default state store (`state: true`): passport-oauth2's NonceStore
 * behaviour — a random, one-time state kept in the session — plus what WeChat
 * needs: `[A-Za-z0-9]` only, an expiry, the appid it was issued for, app
 * state, and several concurrent logins per session.
 */
export class SessionStateStore implements WeChatStateStore {
  private readonly key: string;
  private readonly maxAge: number;
  private readonly maxPending: number;
  private readonly seen: SeenStore | undefined;

  constructor(options: SessionStateStoreOptions = {}) {
    this.key = options.key ?? 'wechat:oauth2';
    this.maxAge = options.maxAge ?? 10 * 60 * 1000;
    this.maxPending = options.maxPending ?? 8;
    this.seen = options.seen;
  }

  store(req: Request, appState: unknown, meta: StateMeta, callback: StoreCallback): void {
    const session = sessionOf(req);
    if (!session) return callback(missingSession(req));
    // Oldest first: drop the oldest to keep room for this one.
    const earlier = pendingLogins(session, this.key);
    const pending = earlier.slice(earlier.length - Math.max(0, this.maxPending - 1));
    const handle = randomAlphanumeric(32);
    const login: PendingLogin = { handle, appID: meta.clientID, expires: Date.now() + this.maxAge };
    if (appState !== undefined) login.appState = appState;
    pending.push(login);
    session[this.key] = pending;
    callback(null, handle);
  }

  verify(req: Request, providedState: string, meta: StateMeta, callback: VerifyStateCallback): void {
    const session = sessionOf(req);
    if (!session) return callback(missingSession(req), false);
    const pending = pendingLogins(session, this.key);
    const index = pending.findIndex((p) => p.handle === providedState);
    const login = pending[index];
    if (!login) {
      return callback(
        null,
        false,
        invalidState(
          'Unable to verify authorization request state: no login with this state was started in this session.',
        ),
      );
    }
    // One-time, atomically: a request's session is its own copy, so the
    // claim, not the removal from that copy, decides who redeems the code. A
    // request that loses the claim leaves its session untouched, so it never
    // re-saves (and re-sends) the pre-login session over a login.
    const claimed = (fresh: boolean): void => {
      if (!fresh) return callback(null, false, invalidState('This state was already used.'));
      // Consume before checking, so a failed check cannot be retried.
      pending.splice(index, 1);
      // Assigned, not deleted: @fastify/secure-session's session is a Proxy without a delete trap (a
      // delete would keep the list); every session store drops an undefined value when it serializes.
      if (pending.length === 0) session[this.key] = undefined;
      else session[this.key] = pending;
      if (login.expires < Date.now())
        return callback(null, false, invalidState('The login took too long: its state expired. Please start again.'));
      if (login.appID !== meta.clientID)
        return callback(null, false, invalidState('The state was issued for another WeChat app.'));
      callback(null, true, login.appState);
    };
    if (!this.seen) return claimed(true);
    let claim: Promise<boolean> | boolean;
    try {
      claim = this.seen.add(`session-state:${login.handle}`, Math.max(login.expires - Date.now(), 0) + 1000);
    } catch (err) {
      return callback(err as Error, false);
    }
    // The in-memory store answers synchronously: no promise hop on the common path.
    if (typeof claim === 'boolean') return claimed(claim);
    claim.then(claimed, (err: Error) => callback(err, false));
  }
}

/** This session's pending logins (a copy), oldest first; anything else under the key counts as none. */
function pendingLogins(session: SessionBag, key: string): PendingLogin[] {
  const bag = session[key];
  return Array.isArray(bag) ? (bag as PendingLogin[]).filter(isPendingLogin) : [];
}

function isPendingLogin(value: unknown): value is PendingLogin {
  const p = value as Partial<PendingLogin> | null;
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.handle === 'string' &&
    typeof p.appID === 'string' &&
    typeof p.expires === 'number'
  );
}

function sessionOf(req: Request): SessionBag | undefined {
  const session = (req as { session?: unknown }).session;
  return session && typeof session === 'object' ? (session as SessionBag) : undefined;
}

function missingSession(req: Request): Error {
  return new Error(
    `WeChatStrategy requires session support when using state: ${sessionAdvice(req)}. (Or pass a SignedStateStore as \`store\`.)`,
  );
}

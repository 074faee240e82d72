import type { Request } from 'express';
import { randomAlphanumeric } from './random.js';
import { invalidState, type StateMeta, type StoreCallback, type VerifyStateCallback, type WeChatStateStore } from './types.js';

export interface SessionStateStoreOptions {
  /** Session key, default `wechat:oauth2`. */
  key?: string;
  /** How long a login may take, in ms (default 10 minutes, the website code lifetime, §2.2). */
  maxAge?: number;
  /** Pending logins kept per session (several tabs), oldest dropped first. Default 8. */
  maxPending?: number;
}

interface PendingLogin {
  /** The appid the login was started with: a state is only good for that app. */
  appID: string;
  expires: number;
  appState?: unknown;
}

type SessionBag = Record<string, Record<string, PendingLogin> | undefined>;

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

  constructor(options: SessionStateStoreOptions = {}) {
    this.key = options.key ?? 'wechat:oauth2';
    this.maxAge = options.maxAge ?? 10 * 60 * 1000;
    this.maxPending = options.maxPending ?? 8;
  }

  store(req: Request, appState: unknown, meta: StateMeta, callback: StoreCallback): void {
    const session = sessionOf(req);
    if (!session) return callback(missingSession());
    const pending = { ...(session[this.key] ?? {}) };
    const handles = Object.keys(pending);
    for (const handle of handles.slice(0, Math.max(0, handles.length - this.maxPending + 1))) delete pending[handle];
    const handle = randomAlphanumeric(32);
    pending[handle] = { appID: meta.clientID, expires: Date.now() + this.maxAge, ...(appState === undefined ? {} : { appState }) };
    session[this.key] = pending;
    callback(null, handle);
  }

  verify(req: Request, providedState: string, meta: StateMeta, callback: VerifyStateCallback): void {
    const session = sessionOf(req);
    if (!session) return callback(missingSession(), false);
    const pending = session[this.key];
    const login = pending && Object.prototype.hasOwnProperty.call(pending, providedState) ? pending[providedState] : undefined;
    if (!pending || !login) {
      return callback(null, false, invalidState('Unable to verify authorization request state: no login with this state was started in this session.'));
    }
    // One-time: consume before checking, so a failed check cannot be retried.
    delete pending[providedState];
    if (Object.keys(pending).length === 0) delete session[this.key];
    if (login.expires < Date.now()) return callback(null, false, invalidState('The login took too long: its state expired. Please start again.'));
    if (login.appID !== meta.clientID) return callback(null, false, invalidState('The state was issued for another WeChat app.'));
    callback(null, true, login.appState);
  }
}

function sessionOf(req: Request): SessionBag | undefined {
  const session = (req as { session?: unknown }).session;
  return session && typeof session === 'object' ? (session as SessionBag) : undefined;
}

function missingSession(): Error {
  return new Error('WeChatStrategy requires session support when using state. Did you forget to use express-session middleware? (Or pass a SignedStateStore as `store`.)');
}

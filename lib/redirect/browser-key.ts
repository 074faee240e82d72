import type { Request } from 'express';
import { browserFingerprint } from '../state/cookies.js';

/** A state store that binds its states to a browser with a cookie of its own (`SignedStateStore`). */
export interface BrowserBindingStore {
  browserKey?: (req: Request) => string | undefined;
}

/**
 * What identifies the browser across the duplicate callbacks of one login:
 * the state store's own binding cookie, else the cookies the request carried.
 * Not the session id: `req.login` regenerates the session, and a duplicate
 * whose first navigation was cancelled still carries the pre-login cookie,
 * which maps to no session any more. `undefined` (no cookie at all): nothing
 * ties a duplicate to this browser, so none is recognised.
 */
export function browserKeyOf(req: Request, store: BrowserBindingStore | undefined): string | undefined {
  const fromStore = store?.browserKey?.(req);
  if (fromStore) return `store:${fromStore}`;
  const cookies = browserFingerprint(req);
  return cookies ? `cookies:${cookies}` : undefined;
}

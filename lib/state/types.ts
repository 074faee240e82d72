import type { Request } from 'express';
import type { WeChatFailureInfo } from '../shared/types.js';

/** What passport-oauth2 hands a state store (`meta`), plus `client` from this strategy. */
export interface StateMeta {
  authorizationURL: string;
  tokenURL: string;
  clientID: string;
  callbackURL?: string;
}

export type StoreCallback = (err: Error | null, state?: string) => void;
export type VerifyStateCallback = (err: Error | null, ok: boolean, stateOrInfo?: unknown) => void;

/** The 4-arity form of passport-oauth2's state store, which receives app state and metadata. */
export interface WeChatStateStore {
  store(req: Request, appState: unknown, meta: StateMeta, callback: StoreCallback): void;
  verify(req: Request, providedState: string, meta: StateMeta, callback: VerifyStateCallback): void;
}

/** The `info` a store hands to `fail` when a state does not verify. */
export function invalidState(detail: string): WeChatFailureInfo {
  return { message: 'invalid_state', detail };
}

/** The longest state WeChat accepts on oauth2/authorize (bytes of [A-Za-z0-9], §1.2). */
export const MAX_STATE_LENGTH = 128;

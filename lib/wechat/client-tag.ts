import type { Request } from 'express';
import { WeChatConfigError } from '../transport/errors.js';
import type { WeChatClient } from '../sns/types.js';
import type { StateStore } from './types.js';
import {
  invalidState,
  MAX_STATE_LENGTH,
  type StateMeta,
  type StoreCallback,
  type VerifyStateCallback,
  type WeChatStateStore,
} from '../state/types.js';

const TAG: Readonly<Record<WeChatClient, string>> = { mp: 'm', web: 'w' };

/** Which app a state was issued for, read from its first character; `undefined` if it has no tag. */
export function clientOfState(state: string): WeChatClient | undefined {
  if (state.startsWith(TAG.mp)) return 'mp';
  if (state.startsWith(TAG.web)) return 'web';
  return undefined;
}

type AnyStore =
  StateStore | WeChatStateStore | { store: (...args: never[]) => void; verify: (...args: never[]) => void };
type Loose = (...args: unknown[]) => void;

/**
 * Wraps any state store so that the state sent to WeChat starts with one
 * character naming the app (mp or web) that started the login.
 *
 * In `auto` mode one strategy serves two apps, and the code must be redeemed
 * with the credentials of the app that issued it (wechat-protocol.md §2.2:
 * "code和appid不匹配" gives 40029). The callback reads the tag to pick the
 * credentials *before* the state is verified, and the inner store then
 * verifies the rest against that app's appid — so a flipped tag fails the
 * state check instead of being believed. The wrapper also enforces WeChat's
 * limit of 128 characters of `[A-Za-z0-9]` for whatever the inner store makes.
 */
export class ClientTaggedStore implements WeChatStateStore {
  constructor(
    private readonly inner: AnyStore | undefined,
    private readonly clientOf: (meta: StateMeta) => WeChatClient,
  ) {}

  store(req: Request, appState: unknown, meta: StateMeta, callback: StoreCallback): void {
    const tag = TAG[this.clientOf(meta)];
    if (!this.inner) return callback(null, tag);
    const done = (err: Error | null, state?: unknown): void => {
      if (err) return callback(err);
      const inner = state === undefined || state === null ? '' : String(state);
      if (!/^[A-Za-z0-9]*$/.test(inner) || inner.length + 1 > MAX_STATE_LENGTH) {
        return callback(
          new WeChatConfigError(
            `The state store made a state WeChat would reject: it must be at most ${MAX_STATE_LENGTH - 1} characters of [A-Za-z0-9].`,
          ),
        );
      }
      callback(null, tag + inner);
    };
    const store = this.inner.store.bind(this.inner) as Loose;
    switch (this.inner.store.length) {
      case 2:
        return store(req, done);
      case 3:
        return store(req, meta, done);
      default:
        return store(req, appState, meta, done);
    }
  }

  verify(req: Request, providedState: string, meta: StateMeta, callback: VerifyStateCallback): void {
    if (typeof providedState !== 'string' || !clientOfState(providedState)) {
      return callback(null, false, invalidState('The callback carried no state, or one this app did not issue.'));
    }
    if (!this.inner) return callback(null, true);
    const inner = this.inner as { verify: Loose };
    const rest = providedState.slice(1);
    if (inner.verify.length === 3) return inner.verify(req, rest, callback);
    return inner.verify(req, rest, meta, callback);
  }
}

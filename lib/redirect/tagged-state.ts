import type { Request } from 'express';
import { WeChatConfigError } from '../transport/errors.js';
import {
  invalidState,
  MAX_STATE_LENGTH,
  type StateMeta,
  type StoreCallback,
  type VerifyStateCallback,
  type WeChatStateStore,
} from '../state/types.js';

/** One character per client (surface) of a strategy, e.g. `{ mp: 'm', web: 'w' }`. */
export type StateTags<C extends string> = Readonly<Record<C, string>>;

/** Which client a state was issued for, read from its first character; `undefined` if it has no tag. */
export function clientOfState<C extends string>(state: string, tags: StateTags<C>): C | undefined {
  for (const client of Object.keys(tags) as C[]) {
    if (state.startsWith(tags[client])) return client;
  }
  return undefined;
}

/** Any state store passport-oauth2 takes: the 2-, 3- and 4-argument `store`/`verify` forms. */
export type AnyStateStore =
  WeChatStateStore | { store: (...args: never[]) => void; verify: (...args: never[]) => void };
type Loose = (...args: unknown[]) => void;

/**
 * Wraps any state store so that the state sent upstream starts with one
 * character naming the client (WeChat's mp or web app; WeCom's in-client or
 * browser login) that started the login.
 *
 * In WeChat's `auto` mode one strategy serves two apps, and the code must be redeemed
 * with the credentials of the app that issued it (wechat-protocol.md §2.2:
 * "code和appid不匹配" gives 40029). The callback reads the tag to pick the
 * credentials *before* the state is verified, and the inner store then
 * verifies the rest against that app's appid — so a flipped tag fails the
 * state check instead of being believed. The wrapper also enforces WeChat's
 * limit of 128 characters of `[A-Za-z0-9]` for whatever the inner store makes.
 */
export class ClientTaggedStore<C extends string> implements WeChatStateStore {
  constructor(
    private readonly inner: AnyStateStore | undefined,
    private readonly tags: StateTags<C>,
    private readonly clientOf: (meta: StateMeta) => NoInfer<C>,
  ) {}

  store(req: Request, appState: unknown, meta: StateMeta, callback: StoreCallback): void {
    const tag = this.tags[this.clientOf(meta)];
    if (!this.inner) return callback(null, tag);
    const done = (err: Error | null, state?: unknown): void => {
      if (err) return callback(err);
      const inner = state === undefined || state === null ? '' : String(state);
      if (!/^[A-Za-z0-9]*$/.test(inner) || inner.length + 1 > MAX_STATE_LENGTH) {
        return callback(
          new WeChatConfigError(
            `The state store made a state WeChat and WeCom would reject: it must be at most ${MAX_STATE_LENGTH - 1} characters of [A-Za-z0-9].`,
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
    if (typeof providedState !== 'string' || !clientOfState(providedState, this.tags)) {
      return callback(null, false, invalidState('The callback carried no state, or one this app did not issue.'));
    }
    if (!this.inner) return callback(null, true);
    const inner = this.inner as { verify: Loose };
    const rest = providedState.slice(1);
    if (inner.verify.length === 3) return inner.verify(req, rest, callback);
    return inner.verify(req, rest, meta, callback);
  }
}

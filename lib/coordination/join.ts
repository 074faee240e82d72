import type { LoginFailureInfo, VerifyCallback } from '../shared/types.js';
import { WeChatConfigError, WeChatLoginInterruptedError } from '../transport/errors.js';
import type { CallbackDeduplicator, CallbackOutcome, DedupeTicket } from './dedupe.js';

/** How a leader reports its outcome to the duplicates waiting on it. */
export type SettleLogin = Extract<DedupeTicket, { role: 'leader' }>['settle'];

/** The three ends of a Passport request, as passport hands them to a strategy's per-request copy. */
export interface LoginActions {
  success(user: Express.User, info?: object): void;
  fail(challenge?: unknown, status?: number): void;
  error(err: Error): void;
}

/** What one login request does as the leader or as a follower of its duplicates. */
export interface JoinHandlers {
  /** Redeem the code: the one request per key that talks to WeChat. */
  lead(settle: SettleLogin): void;
  /** End the same way the leader did. */
  follow(outcome: CallbackOutcome): void;
  /** The deduplicator itself failed (a `WeChatStoreError`: Redis unreachable, erroring or too slow). */
  error(err: Error): void;
}

/** The status of a `login_interrupted` fail: the service could not finish this login, and trying again will work. */
export const LOGIN_INTERRUPTED_STATUS = 503;

/**
 * What a follower whose leader never settled ends with: the user's to retry
 * (start the login again), not a server error, and never a login.
 */
export function interruptedOutcome(err: WeChatLoginInterruptedError): CallbackOutcome {
  const challenge: LoginFailureInfo = { message: 'login_interrupted', detail: err.message };
  return { kind: 'fail', challenge, status: LOGIN_INTERRUPTED_STATUS };
}

/**
 * The one duplicate-join of every login that redeems a single-use code (the
 * redirect logins' callbacks, the Mini Program's and App's posted codes): the
 * first request with `key` leads, every other one follows its outcome.
 *
 * A follower whose leader never settled (its instance died mid-exchange; the
 * deduplicator rejects with `WeChatLoginInterruptedError`) follows a
 * `login_interrupted` fail; any other rejection (the store itself failing)
 * stays an error.
 *
 * The in-memory deduplicator answers synchronously, so the common path takes
 * no promise hop. Whatever a follower's own callbacks throw while replaying
 * becomes that request's error, never an unhandled rejection.
 */
export function joinDuplicates(deduplicator: CallbackDeduplicator, key: string, handlers: JoinHandlers): void {
  const onFollowerError = (err: Error): void =>
    err instanceof WeChatLoginInterruptedError ? handlers.follow(interruptedOutcome(err)) : handlers.error(err);
  const onTicket = (ticket: DedupeTicket): void => {
    if (ticket.role === 'leader') return handlers.lead(ticket.settle);
    ticket.outcome.then(handlers.follow, onFollowerError).catch(handlers.error);
  };
  let ticket: DedupeTicket | Promise<DedupeTicket>;
  try {
    ticket = deduplicator.begin(key);
  } catch (err) {
    return handlers.error(err as Error);
  }
  if ('role' in ticket) return onTicket(ticket);
  ticket.then(onTicket, handlers.error);
}

/**
 * Ends a duplicate the way its leader ended. Within one process the verified
 * user is reused; a leader on another instance hands over only its replayable
 * `login` (sealed by a shared deduplicator), and `reverify` runs the app's
 * verify with it, so verify must be idempotent (find or create). A failed
 * duplicate only fails: it never touches a session.
 */
export function replayOutcome(
  outcome: CallbackOutcome,
  actions: LoginActions,
  reverify: (login: unknown, done: VerifyCallback) => void,
): void {
  if (outcome.kind !== 'success' || outcome.user !== undefined) return endWith(outcome, actions);
  if (outcome.login === undefined) {
    return actions.error(
      new WeChatConfigError("A duplicate login's first request succeeded without a replayable login."),
    );
  }
  runVerify(
    (done) => reverify(outcome.login, done),
    (verified) => {
      if (verified.kind === 'success') {
        const info =
          outcome.info === undefined && verified.info === undefined
            ? undefined
            : { ...(outcome.info as object), ...(verified.info as object) };
        return actions.success(verified.user as Express.User, info);
      }
      replayOutcome(verified, actions, reverify);
    },
  );
}

/** Ends a request with an outcome in hand: its error, its fail (with status), or its verified user. */
export function endWith(outcome: CallbackOutcome, actions: LoginActions): void {
  if (outcome.kind === 'error') return actions.error(outcome.error);
  if (outcome.kind === 'fail') return actions.fail(outcome.challenge, outcome.status);
  actions.success(outcome.user as Express.User, outcome.info as object | undefined);
}

/**
 * Calls an app's verify once and turns its `done` into an outcome: an error,
 * a fail with verify's info, or the verified user. A verify that throws is an
 * error; a second call of `done` is ignored.
 */
export function runVerify(verify: (done: VerifyCallback) => void, end: (outcome: CallbackOutcome) => void): void {
  let called = false;
  const done: VerifyCallback = (err, user, info) => {
    if (called) return;
    called = true;
    if (err) return end({ kind: 'error', error: err instanceof Error ? err : new Error(String(err)) });
    if (!user) return end({ kind: 'fail', challenge: info });
    end({ kind: 'success', user, info });
  };
  try {
    verify(done);
  } catch (err) {
    done(err);
  }
}

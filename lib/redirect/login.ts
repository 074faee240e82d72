import type { Request } from 'express';
import { dedupeKey, MemoryDeduplicator, type CallbackDeduplicator } from '../coordination/dedupe.js';
import { joinDuplicates, replayOutcome, type LoginActions, type SettleLogin } from '../coordination/join.js';
import { observeLogin, type LoginLabels } from '../diagnostics/login.js';
import type { LoginRole } from '../diagnostics/types.js';
import type { LoginFailureInfo, VerifyCallback } from '../shared/types.js';
import { browserKeyOf, type BrowserBindingStore } from './browser-key.js';

/** A leader's actions: `success` also takes what a duplicate on another instance needs to run verify itself. */
export interface LeaderActions extends LoginActions {
  success(user: Express.User, info?: object, login?: unknown): void;
}

/** A provider's own reading of an error as the user's to retry (a used code), or `undefined` for a real error. */
export type ErrorAsFailure = (err: Error) => { challenge: LoginFailureInfo; status: number } | undefined;

/**
 * One callback request, as a strategy hands it to {@link RedirectLogin.callback}.
 * `strategy` and `surface` (LoginLabels) name it in the login's diagnostics
 * event (docs/diagnostics.md): the strategy's Passport name and the app it
 * used (`mp`, `web`, `wecom`, …).
 */
export interface CallbackLeg extends LoginLabels {
  /** Names the login kind and what makes it unique besides the browser: `['wechat-callback', state, code]`. */
  key: string[];
  /** Redeem the code once; `actions` settle the duplicates and end the request. */
  lead(actions: LeaderActions): void;
  /** Run the app's verify with a leader's replayable login (a duplicate served by another instance). */
  reverify(login: unknown, done: VerifyCallback): void;
  /** See {@link ErrorAsFailure}. */
  errorAsFailure?: ErrorAsFailure;
}

const FORGET = { remember: false } as const;

function ignoreOutcome(): void {}

/** No one records the role when the login is not published. */
function noRole(): void {}

/**
 * The redirect-login core that `WeChatStrategy` and `WeComStrategy` share:
 * the duplicate-callback join and replay, and the mapping of a callback's
 * outcomes onto Passport's `success` / `fail` / `error`.
 *
 * WeChat's in-app browser sometimes opens the callback twice with the same
 * code and state (wechat-protocol.md §2.2), and the code is single-use: a
 * duplicate from the same browser joins the redemption in flight (or replays
 * its outcome) instead of redeeming the code again. It holds no per-request
 * data: everything a request needs is in closures over its own actions.
 */
export class RedirectLogin {
  readonly deduplicator: CallbackDeduplicator;

  constructor(
    private readonly stateStore: BrowserBindingStore | undefined,
    deduplicator: CallbackDeduplicator | undefined,
  ) {
    this.deduplicator = deduplicator ?? new MemoryDeduplicator();
  }

  /**
   * Runs one callback request: as the leader of its duplicates, or as a
   * follower of the one that leads. Published as one login (docs/diagnostics.md)
   * when anyone subscribes; the start of a login (the redirect to WeChat) is not one.
   */
  callback(req: Request, actions: LoginActions, leg: CallbackLeg): void {
    const observed = observeLogin(actions, leg);
    if (!observed) return this.join(req, actions, leg);
    observed.run(() => this.join(req, observed.actions, leg, observed.role));
  }

  /**
   * Ends a callback refused before any code is redeemed (the user refused, a
   * malformed query, a state this app never issued) with `fail`, published as
   * a login with role `none`.
   */
  refuse(actions: LoginActions, labels: LoginLabels, challenge: LoginFailureInfo, status: number): void {
    const observed = observeLogin(actions, labels);
    if (!observed) return actions.fail(challenge, status);
    observed.run(() => observed.actions.fail(challenge, status));
  }

  private join(req: Request, actions: LoginActions, leg: CallbackLeg, role: (role: LoginRole) => void = noRole): void {
    const browserKey = browserKeyOf(req, this.stateStore);
    if (!browserKey) return leg.lead(this.leaderActions(req, actions, ignoreOutcome, leg.errorAsFailure));
    joinDuplicates(this.deduplicator, dedupeKey(...leg.key, browserKey), {
      lead: (settle) => {
        role('leader');
        leg.lead(this.leaderActions(req, actions, settle, leg.errorAsFailure));
      },
      follow: (outcome) => {
        role('follower');
        replayOutcome(outcome, keepCurrentLogin(req, actions), leg.reverify);
      },
      error: (err) => actions.error(err),
    });
  }

  /**
   * The actions of the request that redeems the code: each outcome settles
   * the duplicates waiting on it, then ends this request.
   */
  leaderActions(
    req: Request,
    actions: LoginActions,
    settle: SettleLogin = ignoreOutcome,
    errorAsFailure?: ErrorAsFailure,
  ): LeaderActions {
    const leader: LeaderActions = {
      success: (user, info, login) => {
        settle({ kind: 'success', user, info, login });
        actions.success(user, info);
      },
      fail: (challenge, status) => {
        // A callback that cannot be verified in a browser that is already
        // logged in (the back-to-back half of WeChat's double callback, or a
        // second code for a consumed state) keeps that login rather than
        // showing a failure. It never changes who is logged in.
        const current = currentUser(req);
        if (current && isInvalidState(challenge)) return leader.success(current, ALREADY_AUTHENTICATED);
        // A callback whose state did not verify is not remembered: junk
        // callbacks must not crowd real logins out of a bounded memory.
        settle({ kind: 'fail', challenge, status }, isInvalidState(challenge) ? FORGET : undefined);
        actions.fail(challenge, status);
      },
      error: (err) => {
        const failure = errorAsFailure?.(err);
        if (failure) return leader.fail(failure.challenge, failure.status);
        settle({ kind: 'error', error: err });
        actions.error(err);
      },
    };
    return leader;
  }
}

const ALREADY_AUTHENTICATED = { message: 'already_authenticated' };

/** A follower's actions: a failed state in a browser that is logged in keeps that login (see leaderActions). */
function keepCurrentLogin(req: Request, actions: LoginActions): LoginActions {
  return {
    success: actions.success,
    error: actions.error,
    fail: (challenge, status) => {
      const current = currentUser(req);
      if (current && isInvalidState(challenge)) return actions.success(current, ALREADY_AUTHENTICATED);
      actions.fail(challenge, status);
    },
  };
}

function currentUser(req: Request): Express.User | undefined {
  return (req as { user?: Express.User }).user;
}

function isInvalidState(challenge: unknown): boolean {
  return (challenge as LoginFailureInfo | undefined)?.message === 'invalid_state';
}

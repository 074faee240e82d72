import { performance } from 'node:perf_hooks';
import type { LoginActions } from '../coordination/join.js';
import { isTraced, loginTracing } from './channels.js';
import type { LoginDiagnostics, LoginOutcome, LoginRole, LoginSurface } from './types.js';

/** What a login core does not know by itself: which strategy and surface a login belongs to. */
export interface LoginLabels {
  /** The strategy's Passport name (`this.name`). */
  strategy?: string | undefined;
  surface?: LoginSurface | undefined;
}

/** A login being published: its actions end the span, `role` records the join's decision. */
export interface ObservedLogin {
  readonly actions: LoginActions;
  role(role: LoginRole): void;
  /**
   * Runs the login's synchronous part between `start` and `end`, inside the
   * start's bound stores, so that whatever an APM keeps in an
   * AsyncLocalStorage at `start` (its span) is the parent of the upstream
   * spans this login makes.
   */
  run(body: () => void): void;
}

/**
 * Wraps a login's Passport actions so that its first outcome is published
 * (`error` when it is one, then `asyncStart`, the action, `asyncEnd`, as Node
 * orders them for a callback). `undefined`, and nothing built, when nobody
 * subscribes. Only names, messages, statuses and errcodes are copied from
 * the outcome: never the user, the profile or the tokens.
 */
export function observeLogin(actions: LoginActions, labels: LoginLabels): ObservedLogin | undefined {
  const channel = loginTracing;
  if (!channel || !isTraced(channel)) return undefined;
  const context: LoginDiagnostics = {
    strategy: labels.strategy ?? 'unknown',
    surface: labels.surface ?? 'unknown',
    role: 'none',
  };
  const started = performance.now();
  let ended = false;
  // A second outcome (a misbehaving verify calling back twice) is passed on as it was, unpublished.
  const end = (outcome: LoginOutcome, describe: () => void, deliver: () => void): void => {
    if (ended) return deliver();
    ended = true;
    context.outcome = outcome;
    describe();
    context.durationMs = performance.now() - started;
    if (context.error) channel.error.publish(context);
    channel.asyncStart.publish(context);
    try {
      deliver();
    } finally {
      channel.asyncEnd.publish(context);
    }
  };
  const observed: LoginActions = {
    success: (user, info) =>
      end(
        'success',
        () => setMessage(context, info),
        () => actions.success(user, info),
      ),
    fail: (challenge, status) =>
      end(
        'fail',
        () => {
          setMessage(context, challenge);
          if (typeof status === 'number') context.status = status;
          setErrcode(context, challenge);
        },
        () => actions.fail(challenge, status),
      ),
    error: (err) =>
      end(
        'error',
        () => {
          context.error = err;
          context.errorName = typeof err?.name === 'string' ? err.name : 'Error';
          setErrcode(context, err);
        },
        () => actions.error(err),
      ),
  };
  return {
    actions: observed,
    role: (role) => {
      context.role = role;
    },
    run: (body) =>
      channel.start.runStores(context, () => {
        try {
          body();
        } finally {
          channel.end.publish(context);
        }
      }),
  };
}

/** The longest `message` copied: the package's are short fixed words; a verify's own info could be anything. */
const MAX_MESSAGE = 100;

function setMessage(context: LoginDiagnostics, info: unknown): void {
  const message = (info as { message?: unknown } | null | undefined)?.message;
  if (typeof message === 'string') context.message = message.slice(0, MAX_MESSAGE);
}

/** A WeChatAPIError's errcode, a failure info's, or the one inside passport-oauth2's InternalOAuthError. */
function setErrcode(context: LoginDiagnostics, value: unknown): void {
  const outer = value as { errcode?: unknown; oauthError?: { errcode?: unknown } } | null | undefined;
  const errcode = typeof outer?.errcode === 'number' ? outer.errcode : outer?.oauthError?.errcode;
  if (typeof errcode === 'number') context.errcode = errcode;
}

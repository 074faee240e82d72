import type { Request } from 'express';
import {
  dedupeKey,
  MemoryDeduplicator,
  type CallbackDeduplicator,
  type CallbackOutcome,
} from '../coordination/dedupe.js';
import {
  endWith,
  joinDuplicates,
  replayOutcome,
  runVerify,
  type LoginActions,
  type SettleLogin,
} from '../coordination/join.js';
import { observeLogin } from '../diagnostics/login.js';
import type { LoginSurface } from '../diagnostics/types.js';
import type { LoginFailureInfo, VerifyCallback } from '../shared/types.js';

/** The longest code accepted: WeChat's are 32 characters; anything far longer is not one. */
const MAX_CODE_LENGTH = 512;

/**
 * The `code` a Mini Program or mobile app posted: `req.body.code` (JSON or
 * urlencoded), else `req.query.code`. `undefined` when it is missing, empty,
 * repeated or not a string.
 */
export function codeOf(req: Request): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const fromBody = body !== null && typeof body === 'object' ? body.code : undefined;
  const code = fromBody !== undefined ? fromBody : (req.query as Record<string, unknown> | undefined)?.code;
  return typeof code === 'string' && code !== '' && code.length <= MAX_CODE_LENGTH ? code : undefined;
}

/**
 * What the Mini Program and mobile-app strategies share: a code posted by a
 * client app, redeemed once however often it is submitted (a `wx.request`
 * retry, a double tap), then verify. `Login` is what verify needs, as plain
 * JSON with nothing a duplicate on another instance must not see.
 *
 * Passport calls `authenticate` on a per-request copy carrying
 * success/fail/error, so request state lives in closures, never on `this`.
 */
export abstract class CodeLoginStrategy<Login> {
  name: string;
  declare success: (user: Express.User, info?: object) => void;
  declare fail: (challenge?: object | string | number, status?: number) => void;
  declare error: (err: Error) => void;
  protected readonly deduplicator: CallbackDeduplicator;
  /**
   * The strategy itself, also when `this` is passport's per-request copy:
   * `#private` fields are not inherited through a prototype, so subclasses
   * reach them through `this.shared`.
   */
  protected readonly shared: this = this;
  /** Names this kind of login in its diagnostics event (`miniprogram`, `app`). */
  protected readonly surface: LoginSurface;

  protected constructor(name: string, deduplicator: CallbackDeduplicator | undefined, surface: LoginSurface) {
    this.name = name;
    this.deduplicator = deduplicator ?? new MemoryDeduplicator();
    this.surface = surface;
  }

  /** The appid duplicates are grouped under, and the label of this kind of code. */
  protected abstract dedupeParts(code: string): string[];
  /** Redeems the code (one upstream exchange) and builds what verify gets. */
  protected abstract redeem(code: string): Promise<Login>;
  /** Calls the app's verify with `login`, in the form it was given. */
  protected abstract runVerify(req: Request, login: Login, done: VerifyCallback): void;
  /** A failed exchange as a `fail` (the user's to retry) or an `error` (the server's). */
  protected abstract outcomeOfError(err: unknown): CallbackOutcome;

  /** One posted code, published as one login (docs/diagnostics.md) when anyone subscribes. */
  authenticate(req: Request): void {
    const observed = observeLogin(this, { strategy: this.name, surface: this.surface });
    if (!observed) return this.login(req, this);
    observed.run(() => this.login(req, observed.actions, observed.role));
  }

  private login(req: Request, actions: LoginActions, role: (role: 'leader' | 'follower') => void = noRole): void {
    const code = codeOf(req);
    if (code === undefined) {
      return actions.fail(
        {
          message: 'invalid_request',
          detail: 'POST a JSON body {"code": "..."}: the code from the client app.',
        } satisfies LoginFailureInfo,
        400,
      );
    }
    joinDuplicates(this.deduplicator, dedupeKey(...this.dedupeParts(code)), {
      lead: (settle) => {
        role('leader');
        this.lead(req, code, settle, actions);
      },
      follow: (outcome) => {
        role('follower');
        replayOutcome(outcome, actions, (login, done) => this.runVerify(req, login as Login, done));
      },
      error: (err) => actions.error(err),
    });
  }

  private lead(req: Request, code: string, settle: SettleLogin, actions: LoginActions): void {
    const end = (outcome: CallbackOutcome): void => {
      settle(outcome);
      endWith(outcome, actions);
    };
    this.redeem(code).then(
      (login) =>
        runVerify(
          (done) => this.runVerify(req, login, done),
          (outcome) => end(outcome.kind === 'success' ? { ...outcome, login } : outcome),
        ),
      (err: unknown) => end(this.outcomeOfError(err)),
    );
  }
}

/** No one records the role when the login is not published. */
function noRole(): void {}

import type { Request } from 'express';
import type { LoginFailureInfo } from '../shared/types.js';

/** What a request to a redirect login's route is, read from its query before anything else runs. */
export type CallbackQuery =
  | { kind: 'start' }
  | { kind: 'callback'; code: string; state: string }
  /** `state` as the callback carried it (a string), for naming the login a refusal ends. */
  | { kind: 'fail'; info: LoginFailureInfo; status: number; state: string | undefined };

/**
 * The pre-checks every redirect login (WeChat's and WeCom's) runs on its
 * route before passport-oauth2 or a state store sees the request.
 *
 * `provider` names the upstream in the failure details ("WeChat", "WeCom").
 */
export function readCallback(req: Request, provider: string): CallbackQuery {
  const query = ownQuery(req);
  const code = query.code as string | undefined;
  const state = query.state as string | undefined;
  const error = query.error as string | undefined;
  const repeated = notOnce(code) ? 'code' : notOnce(state) ? 'state' : notOnce(error) ? 'error' : undefined;
  if (repeated) {
    return fail(
      'invalid_request',
      `The callback's ${repeated} parameter must appear once.`,
      400,
      typeof state === 'string' ? state : undefined,
    );
  }
  // Neither WeChat nor WeCom sends an `error` other than access_denied;
  // passport-oauth2 would make one a server error (AuthorizationError), so a
  // hostile query could cause a 500. Checked first: with a `state` and no
  // `code` it would otherwise pass for a refusal below.
  if (error && error !== 'access_denied') {
    return fail('invalid_request', `The callback carried an error parameter ${provider} does not send.`, 400, state);
  }
  // A refusal is a redirect with `state` and no `code` (wechat-protocol.md
  // §1.5; some WeChat clients send code=authdeny, and WeCom's official
  // example keeps an empty state, wecom-protocol.md §1.1). passport-oauth2
  // would take it for the start of a new login and redirect again
  // (style-anchors §4.13).
  if (error || code === 'authdeny' || (!code && state !== undefined)) {
    return fail('access_denied', 'The user refused to authorize the login.', 403, state);
  }
  if (code) return { kind: 'callback', code, state: state ?? '' };
  return { kind: 'start' };
}

function fail(
  message: 'invalid_request' | 'access_denied',
  detail: string,
  status: number,
  state: string | undefined,
): CallbackQuery {
  return { kind: 'fail', info: { message, detail }, status, state };
}

/**
 * The request's query, parsed once. Express 5's `req.query` is a getter that
 * parses the query string again on every read, and passport-oauth2 reads it
 * up to eight times per callback; keeping the first parse as the request's
 * own property is what Express 4 did.
 */
function ownQuery(req: Request): Record<string, unknown> {
  const query = req.query as Record<string, unknown> | undefined;
  if (query === undefined || query === null) return {};
  if (!Object.hasOwn(req, 'query')) {
    Object.defineProperty(req, 'query', { value: query, writable: true, configurable: true, enumerable: true });
  }
  return query;
}

/** Present, but not a single string (`?code=a&code=b` parses to an array): checked before any other use. */
function notOnce(value: unknown): boolean {
  return value !== undefined && typeof value !== 'string';
}

import type { Strategy } from '../../lib/wechat/strategy';

export type Outcome =
  | { kind: 'success'; user: unknown; info: unknown }
  | { kind: 'fail'; challenge: any; status?: number }
  | { kind: 'redirect'; url: string; status?: number }
  | { kind: 'error'; error: Error }
  | { kind: 'pass' };

export interface FakeRequestInit {
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  session?: Record<string, unknown>;
  url?: string;
  encrypted?: boolean;
}

/** A minimal Express-like request: what passport-oauth2 reads. */
export function fakeRequest(init: FakeRequestInit = {}): any {
  return {
    query: init.query ?? {},
    headers: { host: 'app.example.com', ...(init.headers ?? {}) },
    session: init.session ?? {},
    url: init.url ?? '/auth/wechat',
    connection: { encrypted: init.encrypted ?? false },
    socket: { encrypted: init.encrypted ?? false },
  };
}

/**
 * Runs `strategy.authenticate` the way passport does: on a per-request
 * `Object.create(strategy)` with success/fail/redirect/error/pass installed
 * (passport 0.7 lib/middleware/authenticate.js; chai-passport-strategy).
 */
export function authenticate(strategy: Strategy, req: any, options: Record<string, unknown> = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = Object.create(strategy);
    s.success = (user: unknown, info: unknown) => resolve({ kind: 'success', user, info });
    s.fail = (challenge: unknown, status?: number) => resolve({ kind: 'fail', challenge, status });
    s.redirect = (url: string, status?: number) => resolve({ kind: 'redirect', url, status });
    s.error = (error: Error) => resolve({ kind: 'error', error });
    s.pass = () => resolve({ kind: 'pass' });
    s.authenticate(req, options);
  });
}

/** Starts a login and returns the callback request that WeChat would send back with `code`. */
export async function startLogin(
  strategy: Strategy,
  init: FakeRequestInit = {},
  options: Record<string, unknown> = {},
) {
  const req = fakeRequest(init);
  const outcome = await authenticate(strategy, req, options);
  if (outcome.kind !== 'redirect')
    throw new Error(`expected a redirect, got ${outcome.kind}: ${JSON.stringify(outcome)}`);
  const url = new URL(outcome.url);
  const state = url.searchParams.get('state') ?? '';
  return {
    url: outcome.url,
    state,
    req,
    session: req.session as Record<string, unknown>,
    callback: (code: string, extra: FakeRequestInit = {}) =>
      fakeRequest({
        url: '/auth/wechat/callback',
        session: req.session,
        headers: init.headers,
        ...extra,
        query: { code, state, ...(extra.query ?? {}) },
      }),
  };
}

/** A whole login: start it, then come back with `code` (as WeChat would) and return the outcome. */
export async function completeLogin(
  strategy: Strategy,
  code: string,
  options: Record<string, unknown> = {},
): Promise<Outcome> {
  const started = await startLogin(strategy, {}, options);
  return authenticate(strategy, started.callback(code), options);
}

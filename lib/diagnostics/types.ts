/**
 * The payloads this package publishes on Node's `diagnostics_channel`
 * (docs/diagnostics.md). They are public API: fields are only ever added.
 *
 * None of them ever carries a code, a state, a token, a session_key, a phone
 * code, a ticket or a secret: only paths, hosts, statuses, errcodes, names
 * and durations (test/reliability/secrets.test.ts subscribes to every channel).
 */

/** Where a login came from: the WeChat app a redirect login used, or the code-login surface. */
export type LoginSurface = 'mp' | 'web' | 'miniprogram' | 'app' | 'wecom' | 'unknown' | (string & {});

/**
 * The part one login request played among duplicates of it (the same code
 * submitted twice, WeChat's double callback): `leader` redeemed the code,
 * `follower` ended the way a leader did, `none` took part in no join (no
 * browser to bind a redirect callback to, or it ended before the join).
 */
export type LoginRole = 'none' | 'leader' | 'follower';

export type LoginOutcome = 'success' | 'fail' | 'error';

/**
 * The context of one login on the {@link LOGIN_CHANNEL} tracing channel: one
 * object from `start` to `asyncEnd`. `strategy`, `surface` and `role` are set
 * at `start` (`role` is `none` until the request joins its duplicates); the
 * outcome fields are set before `error` / `asyncStart`.
 */
export interface LoginDiagnostics {
  /** The strategy's name, as registered with Passport (`wechat`, `wechat-miniprogram`, `wechat-app`, …). */
  strategy: string;
  surface: LoginSurface;
  role: LoginRole;
  outcome?: LoginOutcome;
  /** A fail's `message` (`invalid_code`, `access_denied`, `invalid_state`, …), or a verify's `info.message`. */
  message?: string;
  /** A fail's HTTP status. */
  status?: number;
  /** The WeChat errcode behind a fail or an error, when there is one. */
  errcode?: number;
  /** An error's `name` (`WeChatAPIError`, `WeChatTransportError`, `WeChatStoreError`, `InternalOAuthError`, …). */
  errorName?: string;
  /** The error itself (set before the `error` event, as Node's tracing channels do). */
  error?: Error;
  /** From `start` to the outcome, in ms. */
  durationMs?: number;
}

/** HTTP method of an upstream call. */
export type UpstreamMethod = 'GET' | 'POST';

/**
 * The context of one HTTP attempt to WeChat or WeCom on the
 * {@link UPSTREAM_CHANNEL} tracing channel. One logical call makes one
 * attempt per API base it tries (WeCom's one host is tried twice): attempt 1
 * on the first, then a failover to the next on a transport failure, HTTP 5xx,
 * a body that is not WeChat JSON or errcode -1.
 */
export interface UpstreamDiagnostics {
  method: UpstreamMethod;
  /** The endpoint path, e.g. `/sns/oauth2/access_token` (never the query). */
  endpoint: string;
  /** `host[:port]` of the API base this attempt went to. */
  host: string;
  /** 1 for the first API base, 2 for the next, … */
  attempt: number;
  /** This attempt is on the next API base because the previous attempt of the same call failed. */
  failover: boolean;
  /** Why the previous attempt failed, when this is a failover: a transport kind (`timeout`, `http_502`, `not_json`, `bad_response`, …) or `errcode_-1`. */
  failoverFrom?: string;
  /**
   * This call repeats an earlier one with a fresh server access token, because
   * the first answered a stale-token errcode (40001, 42001): the one retry the
   * package makes. A code is never retried.
   */
  retry: boolean;
  /** The HTTP status, when an answer arrived. */
  status?: number;
  /** The answer's errcode (0 when it carried none); absent when no JSON answer arrived. */
  errcode?: number;
  /** The transport failure's kind when no usable answer arrived (`timeout`, `ECONNRESET`, `http_502`, `not_json`, …). */
  failure?: string;
  /** The attempt's duration in ms. */
  durationMs?: number;
  /** The `WeChatTransportError` of a failed attempt (set by Node before `error`). An errcode answer is not an error here: see `errcode`. */
  error?: unknown;
  /** Always `undefined`: the answer is not published (it holds tokens). */
  result?: undefined;
}

/** A shared store's command that failed, on the {@link STORE_ERROR_CHANNEL} channel. */
export interface StoreErrorDiagnostics {
  /** Which store: `redis`. */
  store: string;
  /** `timeout` (no answer within `commandTimeout`) or `unavailable` (the client failed the command). */
  reason: 'timeout' | 'unavailable';
  /** The command name only (`SET`, `GET`, `DEL`, `EVAL`), never its keys or values. */
  command: string;
  /** Which client was recognised: `node-redis`, `node-redis-cluster`, `ioredis`, … */
  client: string;
  /** The `WeChatStoreError` the request fails with. */
  error: Error;
}

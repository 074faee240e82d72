/**
 * Errors raised by the WeChat API client.
 *
 * WeChat does not follow RFC 6749 §5.2: every API answers HTTP 200 and signals
 * failure with `{"errcode": N, "errmsg": "…, rid: …"}` in the body
 * (wechat-protocol.md §2.4, §4). These classes carry that payload in a typed
 * form. None of them ever holds the app secret, an authorization code or a
 * token: messages are built from the errcode, the errmsg WeChat sent and the
 * endpoint *path* only (user-needs.md §3.13, "secrets or tokens in logs").
 */

/** Errcodes that mean "this authorization code cannot be exchanged" (§2.2). */
export const CODE_ERRCODES: ReadonlySet<number> = new Set([40029, 40163, 42003]);

/** Errcodes that mean "this access token is not (or no longer) valid" (§3.2, §4). */
export const INVALID_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40003, 40014, 42001]);

/**
 * What to fix, per errcode, so that an operator reading a log line knows the
 * next step without looking the code up (wechat-protocol.md §4).
 */
const HINTS: Readonly<Record<number, string>> = {
  [-1]: 'WeChat is busy; retry later (the strategy already tried every apiBaseURL)',
  40001: 'check appSecret: WeChat rejected the credential',
  40003: 'the openid does not belong to this app or token',
  40013: 'check appID: WeChat does not know this appid',
  40014: 'the access token is invalid; start a new login or refresh it',
  40029: 'the code is invalid or expired, or belongs to another app; start a new login',
  40030: 'the refresh token is invalid; start a new login',
  40125: 'check appSecret: it does not match the appID (reset it in the WeChat console if unsure)',
  40163: 'the code was already used (a double callback?); start a new login',
  40164: "add this server's outbound IP to the app's IP whitelist in the WeChat console",
  41002: 'appID is missing',
  41004: 'appSecret is missing',
  41008: 'the callback carried no code',
  42001: 'the access token expired; refresh it',
  42002: 'the refresh token expired (30 days); start a new login',
  42003: 'the code expired; start a new login',
  48001: 'this API is not authorized for the token (snsapi_base tokens cannot call /sns/userinfo; use snsapi_userinfo)',
};

/** Options for {@link WeChatAPIError}. */
export interface WeChatAPIErrorOptions {
  /** Set when the error was produced after failing over from another API base. */
  retryable?: boolean;
}

/**
 * An `errcode` answer from a WeChat API.
 *
 * `retryable` is true only for `-1` (system busy), the one errcode WeChat
 * documents as transient; business errcodes are final for that request.
 */
export class WeChatAPIError extends Error {
  readonly errcode: number;
  readonly errmsg: string;
  /** Path of the endpoint that answered, e.g. `/sns/oauth2/access_token` (never a full URL). */
  readonly endpoint: string;
  /** WeChat's request id (`rid: …` suffix of errmsg), when it sent one. */
  readonly rid?: string;
  readonly retryable: boolean;
  /** passport-oauth2 error convention: an HTTP status an app may use. */
  readonly status: number;

  constructor(errcode: number, errmsg: string, endpoint: string, options: WeChatAPIErrorOptions = {}) {
    const hint = HINTS[errcode];
    super(`WeChat API ${endpoint} answered errcode ${errcode} (${stripRid(errmsg)})${hint ? `: ${hint}` : ''}`);
    this.name = 'WeChatAPIError';
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.endpoint = endpoint;
    const rid = /rid:\s*([0-9a-f-]+)/i.exec(errmsg)?.[1] ?? /req_id:\s*([\w-]+)/.exec(errmsg)?.[1];
    if (rid) this.rid = rid;
    this.retryable = options.retryable ?? errcode === -1;
    this.status = CODE_ERRCODES.has(errcode) ? 400 : errcode === -1 ? 503 : 500;
    Error.captureStackTrace?.(this, WeChatAPIError);
  }

  /** True for 40029 / 40163 / 42003: the user should simply log in again. */
  get isCodeError(): boolean {
    return CODE_ERRCODES.has(this.errcode);
  }
}

/**
 * The API could not be reached or answered something that is not WeChat JSON
 * (timeout, reset, HTTP 5xx, an HTML error page, truncated JSON).
 */
export class WeChatTransportError extends Error {
  /** Path of the endpoint, e.g. `/sns/userinfo`. */
  readonly endpoint: string;
  /** Host that failed, e.g. `api.weixin.qq.com` (no credentials, no query). */
  readonly host: string;
  /** Short machine-readable kind: `timeout`, `ECONNRESET`, `http_502`, `not_json`, … */
  readonly kind: string;
  readonly retryable = true;

  constructor(endpoint: string, host: string, kind: string, detail: string) {
    super(`WeChat API ${endpoint} on ${host} failed (${kind}): ${detail}`);
    this.name = 'WeChatTransportError';
    this.endpoint = endpoint;
    this.host = host;
    this.kind = kind;
    Error.captureStackTrace?.(this, WeChatTransportError);
  }
}

/** A misconfiguration detected before any request is sent (missing credentials, bad state, …). */
export class WeChatConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WeChatConfigError';
    Error.captureStackTrace?.(this, WeChatConfigError);
  }
}

function stripRid(errmsg: string): string {
  return errmsg.replace(/,?\s*(rid:|hints:).*$/s, '').trim() || errmsg;
}

/**
 * A shared store (Redis, or a store of your own) failed, was too slow, or
 * held an outcome this instance cannot read. No login is ever granted on this
 * error: the request ends with `error`, and logins work again when the store
 * answers again. A duplicate whose first request simply never settled (the
 * store answered) is a {@link WeChatLoginInterruptedError} instead.
 */
export class WeChatStoreError extends Error {
  /** Which store failed, e.g. `redis`. */
  readonly store: string;
  /**
   * `timeout` (no answer within the command timeout, or a wait for another
   * instance's access-token fetch ran out), `unavailable` (the client threw),
   * or `no_outcome` (a duplicate's first request's outcome is unreadable here:
   * the deduplicator secrets differ between instances).
   */
  readonly reason: 'timeout' | 'unavailable' | 'no_outcome';

  constructor(store: string, reason: WeChatStoreError['reason'], message: string) {
    super(message);
    this.name = 'WeChatStoreError';
    this.store = store;
    this.reason = reason;
    Error.captureStackTrace?.(this, WeChatStoreError);
  }
}

/**
 * A duplicate login request got no outcome from the one request redeeming its
 * code, although the shared store answered: that request's instance stopped
 * mid-exchange (a deploy, an OOM kill) or is still stuck when the wait ends.
 * Nothing is broken for an operator to fix and the code is spent, so the user
 * only has to log in again: deduplicators reject a follower's `outcome` with
 * this error, and every strategy ends that request with
 * `fail({ message: 'login_interrupted', detail }, 503)`, never a login.
 */
export class WeChatLoginInterruptedError extends Error {
  /** `wait_expired`: still pending when the wait ended; `outcome_gone`: the pending entry expired unsettled. */
  readonly reason: 'wait_expired' | 'outcome_gone';

  constructor(reason: WeChatLoginInterruptedError['reason'], message: string) {
    super(message);
    this.name = 'WeChatLoginInterruptedError';
    this.reason = reason;
    Error.captureStackTrace?.(this, WeChatLoginInterruptedError);
  }
}

import type { OutgoingHttpHeaders } from 'node:http';
import { OAuth2, type oauth2tokenCallback } from 'oauth';
import { WeChatAPIError, WeChatTransportError } from '../transport/errors.js';
import { WeChatHttpClient } from '../transport/http.js';
import type { WeChatClient, WeChatTokenResponse } from '../sns/types.js';

export const TOKEN_PATH = '/sns/oauth2/access_token';
export const REFRESH_PATH = '/sns/oauth2/refresh_token';

/**
 * node-oauth's `OAuth2`, speaking WeChat.
 *
 * node-oauth POSTs `client_id`/`client_secret` in a form body and treats any
 * HTTP 200 as success; WeChat wants a GET with `appid`/`secret` in the query
 * and reports errors as HTTP 200 + errcode (wechat-protocol.md §2, style-anchors §2).
 * Only `getOAuthAccessToken` changes. The positional constructor and the
 * `this`-based credentials are kept, because passport-oauth2-refresh builds
 * `new strategy._oauth2.constructor(clientId, secret, baseSite, authorizeUrl,
 * refreshURL, headers)` and copies `getOAuthAccessToken` onto it.
 */
export class WeChatOAuth2 extends OAuth2 {
  /** Which app these credentials belong to. */
  client: WeChatClient = 'mp';
  /** Set by the strategy; instances made by passport-oauth2-refresh derive one from their URL. */
  wechat?: WeChatHttpClient;

  constructor(
    clientId: string,
    clientSecret: string,
    baseSite: string,
    authorizePath?: string,
    accessTokenPath?: string,
    customHeaders?: OutgoingHttpHeaders,
  ) {
    super(clientId, clientSecret, baseSite, authorizePath, accessTokenPath, customHeaders);
    // node-oauth keeps the secret in a plain enumerable field, which
    // util.inspect, console.log and JSON.stringify print. It stays readable
    // and writable under its name (passport-oauth2-refresh and subclasses use
    // it) but as a non-enumerable accessor over a closure: printed, it is at
    // most `[Getter/Setter]`. Not a #private field: the strategy reads it
    // through per-request `Object.create(oauth2)` copies, which have none.
    let secret = clientSecret;
    Object.defineProperty(this, '_clientSecret', {
      get: () => secret,
      set: (value: string) => {
        secret = value;
      },
      enumerable: false,
      configurable: true,
    });
  }

  /** The appid (node-oauth keeps it protected). */
  get appID(): string {
    return this._clientId;
  }

  /** The authorize endpoint this app's logins start at. */
  get authorizeURL(): string {
    return this._authorizeUrl;
  }

  /**
   * Redeem an authorization code (or, with `grant_type: 'refresh_token'`, a
   * refresh token). Calls back node-oauth style. A WeChat errcode is reported
   * as the {@link WeChatAPIError} itself, also carrying node-oauth's
   * `{statusCode, data}` so that passport-oauth2 routes it through
   * `parseErrorResponse` rather than wrapping it in an InternalOAuthError.
   */
  override getOAuthAccessToken(code: string, params: Record<string, unknown>, callback: oauth2tokenCallback): void;
  override getOAuthAccessToken(code: string, callback: oauth2tokenCallback): void;
  override getOAuthAccessToken(
    code: string,
    paramsOrCallback: Record<string, unknown> | oauth2tokenCallback,
    maybeCallback?: oauth2tokenCallback,
  ): void {
    const callback = (typeof paramsOrCallback === 'function' ? paramsOrCallback : maybeCallback) as oauth2tokenCallback;
    const params = typeof paramsOrCallback === 'function' ? {} : (paramsOrCallback ?? {});
    const pending = params.grant_type === 'refresh_token' ? this.refreshToken(code) : this.exchangeCode(code);
    // Deliver outside the promise chain: an exception thrown by the caller's
    // callback must behave as it does with node-oauth, not turn into an
    // unhandled rejection or a second callback. setImmediate, not nextTick:
    // under load, running the rest of the login in the check phase lets the
    // event loop take in other sockets' I/O first (nextTick measured no
    // better, and worse in one side-by-side run, profile-notes.md).
    pending.then(
      (json) => setImmediate(() => callback(null as unknown as Error, json.access_token, json.refresh_token, json)),
      (err: Error) => setImmediate(callback, asNodeOAuthError(err)),
    );
  }

  /** `GET /sns/oauth2/access_token?appid&secret&code&grant_type=authorization_code` (§2.1). */
  exchangeCode(code: string): Promise<WeChatTokenResponse> {
    return this.http()
      .get<WeChatTokenResponse>(
        TOKEN_PATH,
        { appid: this._clientId, secret: this._clientSecret, code, grant_type: 'authorization_code' },
        { redeemsCode: true },
      )
      .then(({ json }) => requireToken(json, TOKEN_PATH));
  }

  /** `GET /sns/oauth2/refresh_token?appid&grant_type=refresh_token&refresh_token` (§3.1). No secret is sent. */
  refreshToken(refreshToken: string): Promise<WeChatTokenResponse> {
    return this.http()
      .get<WeChatTokenResponse>(REFRESH_PATH, {
        appid: this._clientId,
        grant_type: 'refresh_token',
        refresh_token: refreshToken,
      })
      .then(({ json }) => requireToken(json, REFRESH_PATH));
  }

  private http(): WeChatHttpClient {
    // An instance built by passport-oauth2-refresh only has the token URL;
    // its API base is that URL minus the path.
    this.wechat ??= new WeChatHttpClient({ apiBaseURL: this._accessTokenUrl.replace(/\/sns\/oauth2\/.*$/, '') });
    return this.wechat;
  }
}

function requireToken(json: WeChatTokenResponse, endpoint: string): WeChatTokenResponse {
  if (typeof json.access_token !== 'string' || !json.access_token || typeof json.openid !== 'string' || !json.openid) {
    throw new WeChatTransportError(endpoint, 'WeChat', 'bad_response', 'the response has no access_token or openid');
  }
  return json;
}

/** Give API errors node-oauth's `{statusCode, data}` shape without making them enumerable (nothing new to log). */
function asNodeOAuthError(err: Error): Error {
  if (err instanceof WeChatAPIError) {
    Object.defineProperty(err, 'statusCode', { value: 200, enumerable: false });
    Object.defineProperty(err, 'data', {
      value: JSON.stringify({ errcode: err.errcode, errmsg: err.errmsg }),
      enumerable: false,
    });
  }
  return err;
}

import type { Request } from 'express';
import OAuth2Strategy from 'passport-oauth2';
import type { oauth2tokenCallback } from 'oauth';
import { toWeChatAuthorizeURL } from './authorize-url.js';
import { relativeCallbackProblem } from '../redirect/callback-url.js';
import { readCallback } from '../redirect/callback-query.js';
import { RedirectLogin, type ErrorAsFailure, type LeaderActions } from '../redirect/login.js';
import type { BrowserBindingStore } from '../redirect/browser-key.js';
import { ClientTaggedStore, clientOfState, type StateTags } from '../redirect/tagged-state.js';
import { absoluteURL, isAbsoluteURL } from '../redirect/request-url.js';
import { INVALID_TOKEN_ERRCODES, WeChatAPIError, WeChatConfigError } from '../transport/errors.js';
import { WeChatHttpClient } from '../transport/http.js';
import {
  constructorArguments,
  resolveConfig,
  SCOPES,
  type AnyVerify,
  type Credentials,
  type ResolvedConfig,
} from './config.js';

export { DEFAULT_AUTHORIZATION_URL, DEFAULT_QRCONNECT_URL } from './config.js';
import { REFRESH_PATH, TOKEN_PATH, WeChatOAuth2 } from '../sns/oauth2.js';
import { parseProfile } from '../sns/profile.js';
import { SessionStateStore } from '../state/session.js';
import type { StateMeta } from '../state/types.js';
import type { VerifyCallback, WeChatFailureInfo } from '../shared/types.js';
import type {
  WeChatClient,
  WeChatClientOption,
  WeChatLang,
  WeChatProfile,
  WeChatScope,
  WeChatTokenResponse,
  WeChatUserInfo,
} from '../sns/types.js';
import type {
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
  WeChatAuthenticateOptions,
  WeChatRefreshResult,
  WeChatStrategyOptions,
  WeChatStrategyOptionsBase,
  WeChatStrategyOptionsWithRequest,
} from './types.js';

const USERINFO_PATH = '/sns/userinfo';
const AUTH_PATH = '/sns/auth';

/** Where this request's token response and profile live between the steps of its login. */
interface LoginFlow {
  client: WeChatClient;
  token?: WeChatTokenResponse;
  profile?: WeChatProfile;
}

/** What a duplicate handled by another process needs to run verify itself (sealed by a shared deduplicator). */
interface ReplayableLogin {
  accessToken: string;
  refreshToken: string;
  params: WeChatTokenResponse;
  profile: WeChatProfile;
}

type ProfileDone = (err?: unknown, profile?: WeChatProfile) => void;

/**
 * Passport strategy for WeChat login: Official Account web authorization
 * (`client: 'mp'`, inside WeChat), Open Platform website QR login
 * (`client: 'web'`), or either by User-Agent (`client: 'auto'`).
 *
 * It is passport-oauth2 with WeChat's deviations patched at the documented
 * hooks: a GET token exchange with `appid`/`secret` ({@link WeChatOAuth2}),
 * the authorize URL's fixed parameter order and `#wechat_redirect`, the
 * `openid` needed by `/sns/userinfo`, HTTP-200 errcodes, and denial callbacks
 * that carry `state` but no `code`.
 */
export class Strategy extends OAuth2Strategy {
  // Fields the base class sets: `declare` them, never redeclare them (a
  // class field would reset them to undefined after super(), style-anchors §4.5).
  declare protected _oauth2: WeChatOAuth2;
  declare _refreshURL: string;
  declare protected _callbackURL?: string;
  declare protected _trustProxy?: boolean;
  /** Per-request only: set on the request's delegate object, never on the shared strategy. */
  declare private _flow?: LoginFlow;

  private readonly clients: Partial<Record<WeChatClient, WeChatOAuth2>>;
  private readonly defaultClient: WeChatClientOption;
  private readonly defaultScopes: Record<WeChatClient, WeChatScope[]>;
  private readonly http: WeChatHttpClient;
  private readonly lang: WeChatLang;
  private readonly snapshotUsers: 'fail' | 'allow';
  private readonly connectRedirect: boolean;
  private readonly forcePopup: boolean;
  private readonly skipProfile: WeChatStrategyOptionsBase['skipUserProfile'];
  /** The duplicate-callback join and outcome mapping shared with WeComStrategy. */
  private readonly redirectLogin: RedirectLogin;
  declare private _verify: AnyVerify;
  declare private _passReqToCallback?: boolean;
  /** The strategy itself, also when `this` is passport's per-request copy of it. */
  private readonly shared: this = this;
  /** The configured callbackURL is absolute, so passport-oauth2 can use it as is. */
  private readonly absoluteCallbackURL: boolean;

  // Overload order matters: TypeScript fixes an untyped arrow's parameter
  // types from the first overload it is checked against, so the common forms
  // come first and get full contextual types; the `params` forms need
  // annotated parameters (style-anchors.md §4.6). `(verify)` alone is what
  // NestJS's `PassportStrategy` mixin makes of `super()`: options from env.
  // Seven overloads at most: @nestjs/passport's AllConstructorParameters
  // reads no more than seven.
  constructor();
  constructor(verify: VerifyFunction);
  constructor(verify: VerifyFunctionWithParams);
  constructor(options: WeChatStrategyOptions, verify?: VerifyFunction);
  constructor(options: WeChatStrategyOptionsWithRequest, verify: VerifyFunctionWithRequest);
  constructor(options: WeChatStrategyOptions, verify: VerifyFunctionWithParams);
  constructor(options: WeChatStrategyOptionsWithRequest, verify: VerifyFunctionWithRequestAndParams);
  constructor(
    optionsOrVerify?: WeChatStrategyOptionsBase | WeChatStrategyOptionsWithRequest | AnyVerify,
    maybeVerify?: AnyVerify,
  ) {
    const { options, verify } = constructorArguments(optionsOrVerify, maybeVerify);
    const config = resolveConfig(options);
    const stateStore = options.store ?? (options.state === false ? undefined : new SessionStateStore());
    const primary = config.credentials[config.primaryClient] as Credentials;
    super(
      {
        clientID: primary.appID,
        clientSecret: primary.appSecret,
        authorizationURL: config.authorizeURL[config.primaryClient],
        tokenURL: config.http.apiBaseURLs[0] + TOKEN_PATH,
        callbackURL: config.callbackURL,
        scope: config.scopes[config.primaryClient],
        scopeSeparator: ',',
        // Always a store object, so passport-oauth2 uses it as is; see ClientTaggedStore.
        store: new ClientTaggedStore(stateStore, CLIENT_TAGS, (meta) =>
          clientOfMeta(meta, config),
        ) as unknown as OAuth2Strategy.StateStore,
        proxy: options.proxy,
        passReqToCallback: options.passReqToCallback === true,
      } as OAuth2Strategy.StrategyOptionsWithRequest,
      (verify ?? defaultVerify) as OAuth2Strategy.VerifyFunctionWithRequest,
    );
    this.name = options.name ?? 'wechat';
    this.http = config.http;
    this.clients = {};
    for (const client of ['mp', 'web'] as const) {
      const credentials = config.credentials[client];
      if (!credentials) continue;
      const oauth2 = new WeChatOAuth2(
        credentials.appID,
        credentials.appSecret,
        '',
        config.authorizeURL[client],
        this.http.apiBaseURLs[0] + TOKEN_PATH,
      );
      oauth2.client = client;
      oauth2.wechat = this.http;
      this.clients[client] = oauth2;
    }
    this._oauth2 = this.clients[config.primaryClient] as WeChatOAuth2;
    // passport-oauth2-refresh reads `_refreshURL` (style-anchors §5).
    this._refreshURL = this.http.apiBaseURLs[0] + REFRESH_PATH;
    this.defaultClient = config.client;
    this.defaultScopes = config.scopes;
    this.lang = options.lang ?? 'zh_CN';
    this.snapshotUsers = options.snapshotUsers ?? 'fail';
    this.connectRedirect = options.connectRedirect ?? true;
    this.forcePopup = options.forcePopup ?? false;
    this.skipProfile = options.skipUserProfile;
    this.redirectLogin = new RedirectLogin(stateStore as BrowserBindingStore | undefined, options.deduplicator);
    this.absoluteCallbackURL = config.callbackURL !== undefined && isAbsoluteURL(config.callbackURL);
  }

  /**
   * Pre-checks WeChat's non-standard callbacks, picks the app (mp or web) for
   * this request, then delegates to passport-oauth2's flow on a per-request
   * object, so nothing request-specific is written to the shared strategy.
   */
  override authenticate(req: Request, authenticateOptions: WeChatAuthenticateOptions = {}): void {
    // Absolute before passport-oauth2 sees it: its own resolution needs Express's req.connection (not on Fastify 5).
    // An absolute callbackURL from the constructor needs nothing per request.
    const callbackURL = authenticateOptions.callbackURL ?? this._callbackURL;
    const options =
      callbackURL && (authenticateOptions.callbackURL !== undefined || !this.absoluteCallbackURL)
        ? { ...authenticateOptions, callbackURL: absoluteURL(req, callbackURL, this._trustProxy === true) }
        : authenticateOptions;
    const query = readCallback(req, 'WeChat');
    if (query.kind === 'fail') return this.fail(query.info, query.status);
    if (query.kind === 'callback') return this.handleCallback(req, options, query.code, query.state);
    return this.startLogin(req, options, callbackURL);
  }

  private startLogin(
    req: Request,
    options: WeChatAuthenticateOptions,
    configuredCallbackURL: string | undefined,
  ): void {
    const requested = options.client ?? this.defaultClient;
    const client: WeChatClient = requested === 'auto' ? (isInsideWeChat(req) ? 'mp' : 'web') : requested;
    const oauth2 = this.clients[client];
    if (!oauth2) {
      return this.error(
        new WeChatConfigError(
          `WeChatStrategy: a ${client === 'mp' ? 'Official Account (mp)' : 'website app (web)'} login was asked for, but no credentials for it are configured: set ${client === 'mp' ? 'options.appID/appSecret (WECHAT_APP_ID/WECHAT_APP_SECRET)' : 'options.web.appID/appSecret (WECHAT_WEB_APP_ID/WECHAT_WEB_APP_SECRET)'}.`,
        ),
      );
    }
    if (!configuredCallbackURL) {
      return this.error(
        new WeChatConfigError(
          'WeChatStrategy: callbackURL is required (options.callbackURL or WECHAT_CALLBACK_URL): WeChat redirects the user there.',
        ),
      );
    }
    // A relative callbackURL was resolved against request headers: only a plain host may build the redirect_uri.
    const unsafeCallback = relativeCallbackProblem(req, configuredCallbackURL, this._trustProxy === true);
    if (unsafeCallback) return this.error(new WeChatConfigError(unsafeCallback));
    const scope = this.scopeFor(client, options.scope, requested === 'auto');
    if (!scope) {
      return this.error(
        new WeChatConfigError(
          `WeChatStrategy: scope ${JSON.stringify(options.scope)} is not valid for client '${client}' (allowed: ${SCOPES[client].join(', ')}).`,
        ),
      );
    }
    const delegate = this.delegateFor(oauth2, { client }, this.redirectLogin.leaderActions(req, this));
    const redirect = delegate.redirect;
    delegate.redirect = (location: string) => redirect(toWeChatAuthorizeURL(location));
    const appState =
      options.state === undefined
        ? undefined
        : typeof options.state === 'string'
          ? { [STRING_STATE]: options.state }
          : options.state;
    OAuth2Strategy.prototype.authenticate.call(delegate, req, { ...options, client, scope, state: appState });
  }

  private handleCallback(req: Request, options: WeChatAuthenticateOptions, code: string, state: string): void {
    // The state names the app that started this login (ClientTaggedStore);
    // the state store verifies it before any code is redeemed.
    const client =
      clientOfState(state, CLIENT_TAGS) ?? (this.defaultClient === 'auto' ? undefined : this.defaultClient);
    const oauth2 = client && this.clients[client];
    if (!client || !oauth2) {
      return this.fail(
        {
          message: 'invalid_state',
          detail: 'The callback carried no state, or one this app did not issue.',
        } satisfies WeChatFailureInfo,
        403,
      );
    }
    this.redirectLogin.callback(req, this, {
      key: ['wechat-callback', state, code],
      lead: (leader) =>
        OAuth2Strategy.prototype.authenticate.call(this.delegateFor(oauth2, { client }, leader), req, options),
      reverify: (login, done) => this.reverify(req, login as ReplayableLogin, done),
      errorAsFailure: codeErrorAsFailure,
    });
  }

  /**
   * A per-request object that inherits everything from the shared strategy,
   * carries passport's per-request actions (redirect, pass; success, fail and
   * error wrapped), has its own `_oauth2` for the chosen app and its own login
   * flow record, and maps passport-oauth2's outcomes onto WeChat's.
   */
  private delegateFor(oauth2: WeChatOAuth2, flow: LoginFlow, leader: LeaderActions): this {
    // Inherit from the long-lived strategy, not from passport's per-request
    // copy (`this`): an object that becomes a prototype is reshaped by V8, and
    // doing that to a fresh object on every request cost measurable CPU per
    // login (bench/results/profile-notes.md). Passport's actions are closures
    // over req/res and do not use `this`, so they are carried over as is.
    const actions = this as Pick<this, 'success' | 'fail' | 'error' | 'redirect' | 'pass'>;
    const delegate = Object.create(this.shared) as this;
    delegate.redirect = actions.redirect;
    delegate.pass = actions.pass;
    const outcomes = {
      success: (user: Express.User, info?: { state?: unknown }) => {
        const { token, profile } = flow;
        const login: ReplayableLogin | undefined =
          token && profile
            ? { accessToken: token.access_token, refreshToken: token.refresh_token, params: token, profile }
            : undefined;
        leader.success(user, unwrapStringState(info), login);
      },
      fail: (challenge: unknown, status?: number) => leader.fail(challenge, status),
      error: (err: Error) => leader.error(err),
    };
    const snapshotUsers = this.snapshotUsers;
    const requestClient = Object.create(oauth2) as WeChatOAuth2;
    requestClient.getOAuthAccessToken = ((code: string, params: Record<string, unknown>, done: oauth2tokenCallback) => {
      oauth2.getOAuthAccessToken(code, params, (err, accessToken, refreshToken, result?: WeChatTokenResponse) => {
        if (!err && result) {
          // Snapshot-page users are virtual (§3.4): stop before verify, so no
          // phantom account can be created from them.
          if (result.is_snapshotuser === 1 && snapshotUsers === 'fail') {
            return outcomes.fail(
              {
                message: 'snapshot_user',
                detail:
                  'WeChat opened this page in snapshot mode: the user must tap 使用完整服务 (use full service) to log in.',
              } satisfies WeChatFailureInfo,
              403,
            );
          }
          flow.token = result;
        }
        done(err, accessToken, refreshToken, result);
      });
    }) as WeChatOAuth2['getOAuthAccessToken'];
    delegate._oauth2 = requestClient;
    delegate._flow = flow;
    delegate.success = outcomes.success;
    delegate.fail = outcomes.fail;
    delegate.error = outcomes.error;
    return delegate;
  }

  /**
   * Runs the app's verify for a duplicate whose first request another
   * instance served, with that request's token response and profile (so
   * verify must be idempotent: find or create).
   */
  private reverify(req: Request, login: ReplayableLogin, done: VerifyCallback): void {
    // passport-oauth2's verify arities (strategy.js): (req?, accessToken, refreshToken, params?, profile, done).
    const verify = this._verify as (...args: unknown[]) => void;
    const withParams = verify.length === (this._passReqToCallback ? 6 : 5);
    const args: unknown[] = [
      login.accessToken,
      login.refreshToken,
      ...(withParams ? [login.params] : []),
      login.profile,
      done,
    ];
    verify(...(this._passReqToCallback ? [req, ...args] : args));
  }

  /**
   * Loads the profile of the token this request just obtained. WeChat's
   * userinfo needs the openid, which only the token response has; it is read
   * from this request's flow record, never from shared state.
   */
  override userProfile(accessToken: string, done: ProfileDone): void {
    const flow = this._flow;
    const token = flow?.token;
    if (!flow || !token || token.access_token !== accessToken) {
      return done(
        new WeChatConfigError(
          'WeChatStrategy.userProfile needs the openid of the token; call getUserInfo(accessToken, openid) instead.',
        ),
      );
    }
    const load = (skip: boolean): Promise<WeChatProfile> =>
      skip || isBaseScope(token.scope)
        ? this.profileFromToken(flow.client, token)
        : this.fetchProfile(this.clientFor(flow.client), token);
    // No skipUserProfile function (the usual case): no promise before the request.
    const skip = this.skipProfile;
    const profile = typeof skip === 'function' ? this.shouldSkipProfile(accessToken).then(load) : load(skip === true);
    // Out of the promise before passport-oauth2 goes on: what verify and the
    // app's own callbacks throw must not become a rejection here.
    profile.then(
      (loaded) => {
        flow.profile = loaded;
        setImmediate(done, null, loaded);
      },
      (err: unknown) => setImmediate(done, err),
    );
  }

  /** WeChat's token errors are `{errcode, errmsg}` on HTTP 200, not RFC 6749's `{error}`. */
  override parseErrorResponse(body: string, status: number): Error | null {
    const json = JSON.parse(body) as { errcode?: unknown; errmsg?: unknown };
    if (typeof json.errcode === 'number' && json.errcode !== 0) {
      return new WeChatAPIError(json.errcode, typeof json.errmsg === 'string' ? json.errmsg : '', TOKEN_PATH);
    }
    return super.parseErrorResponse(body, status);
  }

  /** Extra parameters WeChat takes on the authorize URL. */
  override authorizationParams(options: WeChatAuthenticateOptions): object {
    const client = (options.client ?? 'mp') as WeChatClient;
    const params: Record<string, string> = { appid: (this.clients[client] ?? this._oauth2).appID };
    if (this.connectRedirect) params.connect_redirect = '1';
    if (client === 'mp' && (options.forcePopup ?? this.forcePopup)) params.forcePopup = 'true';
    return params;
  }

  /**
   * Exchange a refresh token for a fresh access token (`/sns/oauth2/refresh_token`,
   * no secret sent, §3.1). Store the returned refresh token: WeChat may rotate it.
   */
  async refreshAccessToken(
    refreshToken: string,
    options: { client?: WeChatClient } = {},
  ): Promise<WeChatRefreshResult> {
    const json = await this.clientFor(options.client).refreshToken(refreshToken);
    return {
      accessToken: json.access_token,
      refreshToken: json.refresh_token,
      expiresIn: json.expires_in,
      openid: json.openid,
      scope: json.scope,
    };
  }

  /** `/sns/auth`: `true` if the token is valid for this openid, `false` if invalid or expired (§3.2). */
  async checkAccessToken(accessToken: string, openid: string): Promise<boolean> {
    try {
      await this.http.get(AUTH_PATH, { access_token: accessToken, openid });
      return true;
    } catch (err) {
      if (err instanceof WeChatAPIError && INVALID_TOKEN_ERRCODES.has(err.errcode)) return false;
      throw err;
    }
  }

  /** `/sns/userinfo` for a token obtained with snsapi_userinfo or snsapi_login. */
  getUserInfo(
    accessToken: string,
    openid: string,
    lang: WeChatLang = this.lang,
    options: { client?: WeChatClient } = {},
  ): Promise<WeChatProfile> {
    return this.fetchProfile(this.clientFor(options.client), { access_token: accessToken, openid }, lang);
  }

  /** `/sns/userinfo`; the token response of the same login, when there is one, adds scope, unionid and the snapshot flag. */
  private async fetchProfile(
    oauth2: WeChatOAuth2,
    token: Pick<WeChatTokenResponse, 'access_token' | 'openid'> & Partial<WeChatTokenResponse>,
    lang = this.lang,
  ): Promise<WeChatProfile> {
    // A 200 without an openid is not a profile: the client fails over on it, as on a garbled body.
    const { json, raw } = await this.http.get<WeChatUserInfo>(
      USERINFO_PATH,
      { access_token: token.access_token, openid: token.openid, lang },
      { requires: 'openid' },
    );
    return parseProfile(json, {
      appID: oauth2.appID,
      client: oauth2.client,
      raw,
      token: token.scope === undefined ? undefined : (token as WeChatTokenResponse),
    });
  }

  private async profileFromToken(client: WeChatClient, token: WeChatTokenResponse): Promise<WeChatProfile> {
    const { access_token: _a, refresh_token: _r, ...publicFields } = token;
    return parseProfile(publicFields as WeChatTokenResponse, { appID: this.clientFor(client).appID, client, token });
  }

  private shouldSkipProfile(accessToken: string): Promise<boolean> {
    const skip = this.skipProfile as (...args: unknown[]) => unknown;
    if (skip.length > 1) {
      return new Promise((resolve, reject) => {
        skip(accessToken, (err: Error | null, result?: boolean) => (err ? reject(err) : resolve(!!result)));
      });
    }
    return Promise.resolve(!!skip());
  }

  private clientFor(client: WeChatClient | undefined): WeChatOAuth2 {
    const oauth2 = client ? this.clients[client] : this._oauth2;
    if (!oauth2) throw new WeChatConfigError(`WeChatStrategy: no credentials are configured for client '${client}'.`);
    return oauth2;
  }

  private scopeFor(
    client: WeChatClient,
    requested: WeChatAuthenticateOptions['scope'],
    automatic: boolean,
  ): string | undefined {
    const scopes = requested === undefined ? this.defaultScopes[client] : [requested].flat();
    if (scopes.length > 0 && scopes.every((s) => SCOPES[client].includes(s))) return scopes.join(',');
    // `auto` chose the surface; a per-request scope meant for the other one gives way to this one's default.
    return automatic ? this.defaultScopes[client].join(',') : undefined;
  }
}

/** Key under which a per-request string `state` travels as app state (passport-oauth2 would send a string verbatim). */
const STRING_STATE = '__wechatStringState';

function unwrapStringState(info: { state?: unknown } | undefined): { state?: unknown } | undefined {
  const state = info?.state;
  return state && typeof state === 'object' && STRING_STATE in state
    ? { ...info, state: (state as Record<string, unknown>)[STRING_STATE] }
    : info;
}

/** The first character of a state names the app that issued it (see ClientTaggedStore). */
const CLIENT_TAGS: StateTags<WeChatClient> = { mp: 'm', web: 'w' };

/** A bad, reused or expired code is the user's to retry, not a server error (wechat-protocol.md §2.2). */
const codeErrorAsFailure: ErrorAsFailure = (err) =>
  err instanceof WeChatAPIError && err.isCodeError
    ? {
        challenge: { message: 'invalid_code', errcode: err.errcode, detail: err.message } satisfies WeChatFailureInfo,
        status: 400,
      }
    : undefined;

function defaultVerify(
  _accessToken: string,
  _refreshToken: string,
  profile: WeChatProfile,
  done: VerifyCallback,
): void {
  done(null, profile as unknown as Express.User);
}

/** Which app a login being started belongs to, from passport-oauth2's metadata (appid + authorize URL). */
function clientOfMeta(meta: StateMeta, config: ResolvedConfig): WeChatClient {
  const web = config.credentials.web;
  return web && meta.clientID === web.appID && meta.authorizationURL === config.authorizeURL.web ? 'web' : 'mp';
}

function isInsideWeChat(req: Request): boolean {
  const ua = req.headers?.['user-agent'];
  return typeof ua === 'string' && /MicroMessenger/i.test(ua);
}

function isBaseScope(scope: string | undefined): boolean {
  return (scope ?? '').split(',').every((s) => s.trim() === 'snsapi_base');
}

import type { Request } from 'express';
import OAuth2Strategy from 'passport-oauth2';
import { readCallback } from '../redirect/callback-query.js';
import type { BrowserBindingStore } from '../redirect/browser-key.js';
import { RedirectLogin, type LeaderActions } from '../redirect/login.js';
import { absoluteURL, isAbsoluteURL } from '../redirect/request-url.js';
import { ClientTaggedStore, clientOfState } from '../redirect/tagged-state.js';
import type { WeChatFailureInfo } from '../shared/types.js';
import { codeErrorAsFailure } from '../sns/code-error.js';
import { REFRESH_PATH, TOKEN_PATH, WeChatOAuth2 } from '../sns/oauth2.js';
import { shouldSkipProfile } from '../sns/skip-profile.js';
import type { WeChatClient, WeChatClientOption, WeChatLang, WeChatProfile, WeChatScope } from '../sns/types.js';
import { fetchUserInfo, profileFromToken } from '../sns/userinfo.js';
import { callSnsVerify, profileAsUser, type SnsLogin } from '../sns/verify.js';
import { SessionStateStore } from '../state/session.js';
import { WeChatAPIError, WeChatConfigError } from '../transport/errors.js';
import type { WeChatHttpClient } from '../transport/http.js';
import { unwrapAppState, wrapAppState } from './app-state.js';
import { toWeChatAuthorizeURL } from './authorize-url.js';
import { constructorArguments, oauth2Clients, resolveConfig, type AnyVerify, type Credentials } from './config.js';
import { planLoginStart } from './login-start.js';
import { replayableLogin, requestTokenClient, type LoginFlow } from './token-client.js';
import { checkSnsAccessToken } from '../sns/token-check.js';
import { CLIENT_TAGS, clientOfMeta, isBaseScope } from './surface.js';
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

export { DEFAULT_AUTHORIZATION_URL, DEFAULT_QRCONNECT_URL } from './config.js';

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
      (verify ?? profileAsUser) as OAuth2Strategy.VerifyFunctionWithRequest,
    );
    this.name = options.name ?? 'wechat';
    this.http = config.http;
    this.clients = oauth2Clients(config);
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
    if (query.kind === 'fail') {
      const labels = { strategy: this.name, surface: this.surfaceOf(query.state) };
      return this.redirectLogin.refuse(this, labels, query.info, query.status);
    }
    if (query.kind === 'callback') return this.handleCallback(req, options, query.code, query.state);
    return this.startLogin(req, options, callbackURL);
  }

  private startLogin(
    req: Request,
    options: WeChatAuthenticateOptions,
    configuredCallbackURL: string | undefined,
  ): void {
    const plan = planLoginStart(req, options, {
      defaultClient: this.defaultClient,
      defaultScopes: this.defaultScopes,
      clients: this.clients,
      callbackURL: configuredCallbackURL,
      trustProxy: this._trustProxy === true,
    });
    if (plan instanceof WeChatConfigError) return this.error(plan);
    const { client, scope } = plan;
    const oauth2 = this.clients[client] as WeChatOAuth2;
    const delegate = this.delegateFor(oauth2, { client }, this.redirectLogin.leaderActions(req, this));
    const redirect = delegate.redirect;
    delegate.redirect = (location: string) => redirect(toWeChatAuthorizeURL(location));
    const appState = wrapAppState(options.state);
    OAuth2Strategy.prototype.authenticate.call(delegate, req, { ...options, client, scope, state: appState });
  }

  private handleCallback(req: Request, options: WeChatAuthenticateOptions, code: string, state: string): void {
    // The state names the app that started this login (ClientTaggedStore);
    // the state store verifies it before any code is redeemed.
    const client = this.surfaceOf(state);
    const oauth2 = client && this.clients[client];
    if (!client || !oauth2) {
      return this.redirectLogin.refuse(
        this,
        { strategy: this.name, surface: client },
        {
          message: 'invalid_state',
          detail: 'The callback carried no state, or one this app did not issue.',
        } satisfies WeChatFailureInfo,
        403,
      );
    }
    this.redirectLogin.callback(req, this, {
      strategy: this.name,
      surface: client,
      key: ['wechat-callback', state, code],
      lead: (leader) =>
        OAuth2Strategy.prototype.authenticate.call(this.delegateFor(oauth2, { client }, leader), req, options),
      reverify: (login, done) =>
        callSnsVerify(this._verify, this._passReqToCallback === true, req, login as SnsLogin, done),
      errorAsFailure: codeErrorAsFailure,
    });
  }

  /** The app (mp or web) a callback's state names, else the configured one unless it is 'auto'. */
  private surfaceOf(state: unknown): WeChatClient | undefined {
    const tagged = typeof state === 'string' ? clientOfState(state, CLIENT_TAGS) : undefined;
    return tagged ?? (this.defaultClient === 'auto' ? undefined : this.defaultClient);
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
    delegate._oauth2 = requestTokenClient(oauth2, {
      snapshotUsers: this.snapshotUsers,
      record: (token) => (flow.token = token),
      fail: leader.fail,
    });
    delegate._flow = flow;
    delegate.success = (user: Express.User, info?: { state?: unknown }) =>
      leader.success(user, unwrapAppState(info), replayableLogin(flow));
    delegate.fail = leader.fail;
    delegate.error = leader.error;
    return delegate;
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
    const source = { appID: this.clientFor(flow.client).appID, client: flow.client };
    const load = (skip: boolean): Promise<WeChatProfile> =>
      skip || isBaseScope(token.scope)
        ? Promise.resolve().then(() => profileFromToken(source, token))
        : fetchUserInfo(this.http, source, token, this.lang);
    // No skipUserProfile function (the usual case): no promise before the request.
    const skip = this.skipProfile;
    const profile = typeof skip === 'function' ? shouldSkipProfile(skip, accessToken).then(load) : load(skip === true);
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
  checkAccessToken(accessToken: string, openid: string): Promise<boolean> {
    return checkSnsAccessToken(this.http, accessToken, openid);
  }

  /** `/sns/userinfo` for a token obtained with snsapi_userinfo or snsapi_login. */
  getUserInfo(
    accessToken: string,
    openid: string,
    lang: WeChatLang = this.lang,
    options: { client?: WeChatClient } = {},
  ): Promise<WeChatProfile> {
    const oauth2 = this.clientFor(options.client);
    return fetchUserInfo(
      this.http,
      { appID: oauth2.appID, client: oauth2.client },
      { access_token: accessToken, openid },
      lang,
    );
  }

  private clientFor(client: WeChatClient | undefined): WeChatOAuth2 {
    const oauth2 = client ? this.clients[client] : this._oauth2;
    if (!oauth2) throw new WeChatConfigError(`WeChatStrategy: no credentials are configured for client '${client}'.`);
    return oauth2;
  }
}

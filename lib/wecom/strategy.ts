import type { Request } from 'express';
import type { BrowserBindingStore } from '../redirect/browser-key.js';
import { relativeCallbackProblem } from '../redirect/callback-url.js';
import { readCallback } from '../redirect/callback-query.js';
import { RedirectLogin, type LeaderActions } from '../redirect/login.js';
import { absoluteURL } from '../redirect/request-url.js';
import { ClientTaggedStore, clientOfState, type StateTags } from '../redirect/tagged-state.js';
import { constructorArguments } from '../shared/constructor-arguments.js';
import type { VerifyCallback } from '../shared/types.js';
import { SessionStateStore } from '../state/session.js';
import type { StateMeta } from '../state/types.js';
import { WeChatConfigError } from '../transport/errors.js';
import type { WeChatHttpClient } from '../transport/http.js';
import { endWith, runVerify } from '../coordination/join.js';
import { WeComAccessTokenManager, weComHttpClient } from './access-token.js';
import { browserLoginURL, inClientAuthorizeURL } from './authorize-url.js';
import { resolveWeComConfig, type WeComConfig } from './config.js';
import { redeemWeComCode, type WeComRedeemContext } from './login.js';
import type {
  WeComAuthenticateOptions,
  WeComClient,
  WeComFailureInfo,
  WeComProfile,
  WeComStrategyOptions,
  WeComStrategyOptionsBase,
  WeComStrategyOptionsWithRequest,
  WeComVerifyFunction,
  WeComVerifyFunctionWithRequest,
} from './types.js';
import { codeErrorAsFailure } from '../sns/code-error.js';

type AnyVerify = WeComVerifyFunction | WeComVerifyFunctionWithRequest;

/** The first character of a state names the login that issued it (see ClientTaggedStore). */
const CLIENT_TAGS: StateTags<WeComClient> = { wecom: 'q', web: 'b' };

/**
 * Passport strategy for WeCom (企业微信) login of a self-built app (自建应用):
 * inside the WeCom app (`client: 'wecom'`, 网页授权登录), in a desktop
 * browser (`client: 'web'`, 企业微信Web登录), or either by User-Agent
 * (`client: 'auto'`). Members, linked-corp members and (with
 * `members: 'all'`) guests, keyed as wecom-protocol.md §4 says.
 *
 * WeCom's code is not an OAuth2 token grant: it is redeemed with the app's
 * corp token at `auth/getuserinfo`, and there is no per-user token. So this
 * is a plain Passport strategy on the package's redirect-login core (callback
 * pre-checks, state, the double-callback join and outcome mapping, shared
 * with `WeChatStrategy`), its transport and its token core.
 */
export class WeComStrategy {
  name: string;
  // Passport sets these on its per-request copy of the strategy.
  declare success: (user: Express.User, info?: object) => void;
  declare fail: (challenge?: unknown, status?: number) => void;
  declare error: (err: Error) => void;
  declare redirect: (url: string, status?: number) => void;
  /** The corp token of this app; also for your own calls to WeCom's APIs as this app. */
  readonly accessTokens: WeComAccessTokenManager;
  private readonly config: WeComConfig;
  private readonly http: WeChatHttpClient;
  private readonly stateStore: ClientTaggedStore<WeComClient>;
  private readonly redirectLogin: RedirectLogin;
  private readonly verify: AnyVerify;
  private readonly passReqToCallback: boolean;
  private readonly trustProxy: boolean;
  /** What every code redemption of this strategy needs, made once. */
  private readonly redeemContext: WeComRedeemContext;

  // Overloads: the common forms first, so untyped arrows get contextual
  // types (style-anchors.md §4.6); `(verify)` alone is NestJS's `super()`.
  constructor();
  constructor(verify: WeComVerifyFunction);
  constructor(options: WeComStrategyOptions, verify?: WeComVerifyFunction);
  constructor(options: WeComStrategyOptionsWithRequest, verify: WeComVerifyFunctionWithRequest);
  constructor(optionsOrVerify?: WeComStrategyOptionsBase | AnyVerify, maybeVerify?: AnyVerify) {
    const { options, verify } = constructorArguments<
      WeComStrategyOptionsBase & { passReqToCallback?: boolean },
      AnyVerify
    >('WeComStrategy', '{ corpID, agentID, agentSecret, callbackURL }', optionsOrVerify, maybeVerify);
    const { agentSecret, ...config } = resolveWeComConfig(options);
    this.name = options.name ?? 'wecom';
    this.config = config;
    this.http = weComHttpClient(config);
    this.accessTokens =
      options.accessTokens ??
      new WeComAccessTokenManager({
        corpID: config.corpID,
        agentID: config.agentID,
        agentSecret,
        apiBaseURL: config.apiBaseURL,
        timeout: config.timeout,
        httpClient: config.httpClient,
      });
    const inner = options.store ?? (options.state === false ? undefined : new SessionStateStore());
    this.stateStore = new ClientTaggedStore(inner, CLIENT_TAGS, (meta) => clientOfMeta(meta, config));
    this.redirectLogin = new RedirectLogin(inner as BrowserBindingStore | undefined, options.deduplicator);
    this.verify = verify ?? profileAsUser;
    this.passReqToCallback = options.passReqToCallback === true;
    this.trustProxy = options.proxy === true;
    this.redeemContext = {
      http: this.http,
      accessTokens: this.accessTokens,
      corpID: config.corpID,
      members: config.members,
      profile: config.profile,
    };
  }

  /** Starts a login, or finishes one on the callback route (WeCom's `code` and `state`). */
  authenticate(req: Request, options: WeComAuthenticateOptions = {}): void {
    const query = readCallback(req, 'WeCom');
    if (query.kind === 'fail') {
      const client = query.state === undefined ? undefined : clientOfState(query.state, CLIENT_TAGS);
      return this.redirectLogin.refuse(this, this.labels(client), query.info, query.status);
    }
    const callbackURL = options.callbackURL ?? this.config.callbackURL;
    if (!callbackURL) {
      return this.error(
        new WeChatConfigError(
          'WeComStrategy: callbackURL is required (options.callbackURL or WECOM_CALLBACK_URL): WeCom redirects the user there.',
        ),
      );
    }
    const redirectURI = absoluteURL(req, callbackURL, this.trustProxy);
    if (query.kind === 'callback') return this.handleCallback(req, redirectURI, query.code, query.state);
    // A relative callbackURL was resolved against request headers: only a plain host may build the redirect_uri.
    const unsafeCallback = relativeCallbackProblem(req, callbackURL, this.trustProxy);
    if (unsafeCallback) return this.error(new WeChatConfigError(unsafeCallback));
    const requested = options.client ?? this.config.client;
    if (!['auto', 'wecom', 'web'].includes(requested)) {
      return this.error(
        new WeChatConfigError(
          `WeComStrategy: client must be 'auto', 'wecom' or 'web', not ${JSON.stringify(requested)}`,
        ),
      );
    }
    const client: WeComClient = requested === 'auto' ? (isInsideWeCom(req) ? 'wecom' : 'web') : requested;
    this.stateStore.store(req, options.state, this.metaFor(client, redirectURI), (err, state) => {
      if (err) return this.error(err);
      const config = this.config;
      const target = { corpID: config.corpID, agentID: config.agentID, redirectURI, state: state ?? '' };
      this.redirect(
        client === 'wecom'
          ? inClientAuthorizeURL(config.authorizationURL, config.scope, target)
          : browserLoginURL(config.loginURL, config.loginType, config.lang, target),
      );
    });
  }

  private handleCallback(req: Request, redirectURI: string, code: string, state: string): void {
    // The state names the login that started this one; the store verifies it before the code is redeemed.
    const client =
      clientOfState(state, CLIENT_TAGS) ?? (this.config.client === 'auto' ? undefined : this.config.client);
    if (!client) {
      return this.redirectLogin.refuse(
        this,
        this.labels(undefined),
        {
          message: 'invalid_state',
          detail: 'The callback carried no state, or one this app did not issue.',
        } satisfies WeComFailureInfo,
        403,
      );
    }
    const config = this.config;
    this.redirectLogin.callback(req, this, {
      ...this.labels(client),
      key: ['wecom-callback', config.corpID, config.agentID ?? '', state, code],
      lead: (leader) => this.redeem(req, leader, { client, code, state, redirectURI }),
      reverify: (login, done) => this.runVerify(req, login as WeComProfile, done),
      errorAsFailure: codeErrorAsFailure,
    });
  }

  /** The one redemption of a code: state first, then WeCom, then the app's verify. */
  private redeem(
    req: Request,
    leader: LeaderActions,
    login: { client: WeComClient; code: string; state: string; redirectURI: string },
  ): void {
    this.stateStore.verify(req, login.state, this.metaFor(login.client, login.redirectURI), (err, ok, appState) => {
      if (err) return leader.error(err);
      if (!ok) return leader.fail(appState ?? { message: 'invalid_state' }, 403);
      redeemWeComCode(this.redeemContext, login.code, login.client, new URL(login.redirectURI).host).then(
        (result) => {
          if ('failure' in result) return leader.fail(result.failure, result.status);
          runVerify(
            (done) => this.runVerify(req, result.profile, done),
            (outcome) => {
              if (outcome.kind !== 'success') return endWith(outcome, leader);
              const info =
                appState === undefined || appState === true
                  ? outcome.info
                  : { ...(outcome.info as object), state: appState };
              leader.success(outcome.user as Express.User, info as object | undefined, result.profile);
            },
          );
        },
        (err: Error) => leader.error(err),
      );
    });
  }

  /** How this login is named in the diagnostics events: `wecom` inside WeCom, `wecom-web` in a browser. */
  private labels(client: WeComClient | undefined): { strategy: string; surface: string } {
    return {
      strategy: this.name,
      surface: client === undefined ? 'unknown' : client === 'wecom' ? 'wecom' : 'wecom-web',
    };
  }

  private runVerify(req: Request, profile: WeComProfile, done: VerifyCallback): void {
    if (this.passReqToCallback) (this.verify as WeComVerifyFunctionWithRequest)(req, profile, done);
    else (this.verify as WeComVerifyFunction)(profile, done);
  }

  /** What the state store binds a state to: this app (corp + agent) and the login's page. */
  private metaFor(client: WeComClient, callbackURL: string): StateMeta {
    return {
      authorizationURL: client === 'wecom' ? this.config.authorizationURL : this.config.loginURL,
      tokenURL: this.config.apiBaseURL,
      clientID: `${this.config.corpID}:${this.config.agentID ?? ''}`,
      callbackURL,
    };
  }
}

/** `wxwork` first: WeCom's User-Agent also contains `MicroMessenger` (wecom-protocol.md §1.2). */
function isInsideWeCom(req: Request): boolean {
  const ua = req.headers?.['user-agent'];
  return typeof ua === 'string' && /wxwork/i.test(ua);
}

function clientOfMeta(meta: StateMeta, config: WeComConfig): WeComClient {
  return meta.authorizationURL === config.loginURL && config.loginURL !== config.authorizationURL ? 'web' : 'wecom';
}

function profileAsUser(profile: WeComProfile, done: VerifyCallback): void {
  done(null, profile as unknown as Express.User);
}

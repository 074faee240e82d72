import type { Request } from 'express';
import type { AxiosInstance } from 'axios';
import type { CallbackDeduplicator } from '../coordination/dedupe.js';
import type { AnyStateStore } from '../redirect/tagged-state.js';
import type { LoginFailureInfo, VerifyCallback } from '../shared/types.js';
import type { WeComAccessTokenManager } from './access-token.js';

/**
 * Where a WeCom login happens: `wecom`, inside the WeCom app (网页授权登录,
 * `connect/oauth2/authorize`); `web`, a desktop browser (企业微信Web登录,
 * `wwlogin/sso/login`: QR scan or WeCom desktop) (wecom-protocol.md §1).
 */
export type WeComClient = 'wecom' | 'web';

/** `auto` (default): `wecom` when the User-Agent contains `wxwork`, else `web` (§1.2). */
export type WeComClientOption = WeComClient | 'auto';

/** `snsapi_base` (default, silent) or `snsapi_privateinfo` (in-client only, manual consent, yields a `user_ticket`). */
export type WeComScope = 'snsapi_base' | 'snsapi_privateinfo';

/** Who logged in (§4): a corp member, a member of a linked corp (`CorpId/userid`), or a non-member. */
export type WeComUserKind = 'member' | 'linked' | 'guest';

/**
 * How much a login asks WeCom about the user. `ids` (default): one identity
 * call. `member`: adds `user/get` for members (name, department, position).
 * `sensitive`: `member` plus `auth/getuserdetail` when a `user_ticket` came back.
 */
export type WeComProfileLevel = 'ids' | 'member' | 'sensitive';

/** The user profile handed to verify. Never holds the corp token, the `user_ticket`, the secret or the code. */
export interface WeComProfile {
  provider: 'wecom';
  /**
   * Stable key: a member's `corpID/userid` lower-cased (WeCom userids are
   * case-insensitive), a linked-corp member's userid as given, a guest's
   * `corpID:openid:<openid>`.
   */
  id: string;
  corpID: string;
  kind: WeComUserKind;
  /** The member's userid in WeCom's own case (members and linked members). */
  userID?: string;
  /** A non-member's openid, unique per corp. */
  openid?: string;
  /** A guest who is one of the corp's external contacts; it comes and goes, so never key on it. */
  externalUserID?: string;
  client: WeComClient;
  /** With `profile: 'member'`: the member's name. */
  displayName?: string;
  /** With `profile: 'member'`: department ids. */
  department?: number[];
  /** With `profile: 'member'`. */
  position?: string;
  /** With `profile: 'sensitive'`: `email` and `biz_mail`, as far as the admin enabled them and the member consented. */
  emails?: Array<{ value: string; type?: 'work' | 'biz' }>;
  photos?: Array<{ value: string }>;
  gender?: 'male' | 'female';
  phoneNumbers?: Array<{ value: string }>;
  /** The answers the profile was built from, without the `user_ticket`. */
  _json: {
    identity: Record<string, unknown>;
    member?: Record<string, unknown>;
    detail?: Record<string, unknown>;
  };
}

export type WeComVerifyFunction = (profile: WeComProfile, done: VerifyCallback) => void;
export type WeComVerifyFunctionWithRequest = (req: Request, profile: WeComProfile, done: VerifyCallback) => void;

export interface WeComStrategyOptionsBase {
  /** The CorpID (env `WECOM_CORP_ID`). */
  corpID?: string | undefined;
  /** The self-built app's AgentId (env `WECOM_AGENT_ID`); required by the browser login and by `snsapi_privateinfo`. */
  agentID?: string | undefined;
  /** The app's Secret (env `WECOM_AGENT_SECRET`). Never logged. */
  agentSecret?: string | undefined;
  /** Where WeCom sends the user back (env `WECOM_CALLBACK_URL`); its host must be the app's 可信域名. */
  callbackURL?: string | undefined;
  scope?: WeComScope | undefined;
  client?: WeComClientOption | undefined;
  /** `only` (default): a non-member fails with `not_member`. `all`: guests log in too. */
  members?: 'only' | 'all' | undefined;
  profile?: WeComProfileLevel | undefined;
  /** `wwlogin/sso/login`'s `login_type`; self-built apps use `CorpApp` (default). */
  loginType?: 'CorpApp' | undefined;
  /** The browser login page's language. */
  lang?: 'zh' | 'en' | undefined;
  state?: boolean | undefined;
  /** A state store (default: `SessionStateStore`; `SignedStateStore` for session-less apps). */
  store?: AnyStateStore | undefined;
  deduplicator?: CallbackDeduplicator | undefined;
  /** Trust `X-Forwarded-*` when a relative callbackURL is resolved. */
  proxy?: boolean | undefined;
  /** Strategy name, default `'wecom'`. */
  name?: string | undefined;
  /** Per-request timeout in ms, default 5000. */
  timeout?: number | undefined;
  httpClient?: AxiosInstance | undefined;
  /** Default: built from the credentials. Share one with other code that calls WeCom's APIs as this app. */
  accessTokens?: WeComAccessTokenManager | undefined;
  /** Default `https://qyapi.weixin.qq.com` (env `WECOM_API_BASE_URL`). */
  apiBaseURL?: string | undefined;
  /** Default `https://open.weixin.qq.com/connect/oauth2/authorize` (env `WECOM_AUTHORIZATION_URL`). */
  authorizationURL?: string | undefined;
  /** Default `https://login.work.weixin.qq.com/wwlogin/sso/login` (env `WECOM_LOGIN_URL`). */
  loginURL?: string | undefined;
}

export interface WeComStrategyOptions extends WeComStrategyOptionsBase {
  passReqToCallback?: false | undefined;
}

export interface WeComStrategyOptionsWithRequest extends WeComStrategyOptionsBase {
  passReqToCallback: true;
}

/** Per-request options for `passport.authenticate('wecom', { … })`. */
export interface WeComAuthenticateOptions {
  client?: WeComClientOption;
  /** App state to carry through the login (stored server-side). */
  state?: Record<string, unknown>;
  callbackURL?: string;
  [key: string]: unknown;
}

/** Why a WeCom login failed without being an error (the `info` given to `fail`). */
/** `login_interrupted` (503): a duplicate callback whose first request's instance died before it finished; log in again. */
export type WeComFailureReason =
  | 'access_denied'
  | 'invalid_code'
  | 'not_member'
  | 'not_in_app_scope'
  | 'invalid_state'
  | 'invalid_request'
  | 'login_interrupted';

export interface WeComFailureInfo extends LoginFailureInfo {
  message: WeComFailureReason;
}

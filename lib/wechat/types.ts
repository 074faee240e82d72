import type { Request } from 'express';
import type { AxiosInstance } from 'axios';
import type OAuth2Strategy from 'passport-oauth2';
import type { WeChatStateStore } from '../state/types.js';
import type { CallbackDeduplicator } from '../coordination/dedupe.js';
import type { VerifyCallback } from '../shared/types.js';
import type { SkipUserProfile } from '../sns/skip-profile.js';
import type { WeChatClientOption, WeChatLang, WeChatProfile, WeChatScope, WeChatTokenResponse } from '../sns/types.js';

export type VerifyFunction = (
  accessToken: string,
  refreshToken: string,
  profile: WeChatProfile,
  done: VerifyCallback,
) => void;
export type VerifyFunctionWithParams = (
  accessToken: string,
  refreshToken: string,
  params: WeChatTokenResponse,
  profile: WeChatProfile,
  done: VerifyCallback,
) => void;
export type VerifyFunctionWithRequest = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  profile: WeChatProfile,
  done: VerifyCallback,
) => void;
export type VerifyFunctionWithRequestAndParams = (
  req: Request,
  accessToken: string,
  refreshToken: string,
  params: WeChatTokenResponse,
  profile: WeChatProfile,
  done: VerifyCallback,
) => void;

/** Credentials of the Open Platform website app used for QR login. */
export interface WeChatWebAppOptions {
  /** Env `WECHAT_WEB_APP_ID` when absent. */
  appID?: string | undefined;
  /** Env `WECHAT_WEB_APP_SECRET` when absent. Never logged. */
  appSecret?: string | undefined;
  /** Defaults to `snsapi_login`, the only scope website apps have. */
  scope?: 'snsapi_login' | undefined;
}

/** A state store: passport-oauth2's interface, or the 4-argument form that gets app state and metadata (SignedStateStore). */
export type StateStore = OAuth2Strategy.StateStore | WeChatStateStore;

export interface WeChatStrategyOptionsBase {
  /** Official Account appid (env `WECHAT_APP_ID`). With `client: 'web'` this may be the website app's. */
  appID?: string | undefined;
  /** Official Account secret (env `WECHAT_APP_SECRET`). Never logged. */
  appSecret?: string | undefined;
  /** Absolute, or relative to the request URL (honouring `proxy`). Env `WECHAT_CALLBACK_URL`. */
  callbackURL?: string | undefined;
  /** Default `'mp'`. */
  client?: WeChatClientOption | undefined;
  /** Default `snsapi_userinfo` for mp, `snsapi_login` for web. */
  scope?: WeChatScope | WeChatScope[] | undefined;
  /** Website app credentials (env `WECHAT_WEB_APP_ID` / `WECHAT_WEB_APP_SECRET`). */
  web?: WeChatWebAppOptions | undefined;
  /** `/sns/userinfo` language, default `zh_CN`. */
  lang?: WeChatLang | undefined;
  /** Default `true`: a one-time state bound to the session, as in passport-oauth2. */
  state?: boolean | undefined;
  /** A custom state store (e.g. {@link SignedStateStore}); overrides `state`. */
  store?: StateStore | undefined;
  /**
   * Where WeChat's duplicate callbacks meet (default: a `MemoryDeduplicator`
   * in this process). Behind a load balancer, pass one every instance shares:
   * `new RedisDeduplicator(redis, { secret })` from `passport-wechat-oauth2/redis`.
   */
  deduplicator?: CallbackDeduplicator | undefined;
  /** Trust `X-Forwarded-*` when resolving a relative callbackURL. */
  proxy?: boolean | undefined;
  /** Skip `/sns/userinfo` (the profile is then built from the token response). */
  skipUserProfile?: SkipUserProfile;
  /** Snapshot-page virtual users (`is_snapshotuser: 1`): `'fail'` (default) or `'allow'`. */
  snapshotUsers?: 'fail' | 'allow' | undefined;
  /** Append `connect_redirect=1` (default `true`): stops WeChat's double callback with two codes. */
  connectRedirect?: boolean | undefined;
  /** Append `forcePopup=true` (mp): ask for consent even where WeChat would authorize silently. */
  forcePopup?: boolean | undefined;
  /** Default `https://open.weixin.qq.com/connect/oauth2/authorize` (env `WECHAT_AUTHORIZATION_URL`). */
  authorizationURL?: string | undefined;
  /** Default `https://open.weixin.qq.com/connect/qrconnect` (env `WECHAT_QRCONNECT_URL`). */
  qrconnectURL?: string | undefined;
  /** One base or an ordered failover list (env `WECHAT_API_BASE_URL`, comma-separated). Default `['https://api.weixin.qq.com', 'https://api2.weixin.qq.com']`. */
  apiBaseURL?: string | readonly string[] | undefined;
  /** Per-request timeout in ms, default 5000. */
  timeout?: number | undefined;
  /** An axios instance for proxies and interceptors. */
  httpClient?: AxiosInstance | undefined;
  /** Strategy name, default `'wechat'`. */
  name?: string | undefined;
}

export interface WeChatStrategyOptions extends WeChatStrategyOptionsBase {
  passReqToCallback?: false | undefined;
}

export interface WeChatStrategyOptionsWithRequest extends WeChatStrategyOptionsBase {
  passReqToCallback: true;
}

/** Per-request options for `passport.authenticate('wechat', { … })`. */
export interface WeChatAuthenticateOptions {
  scope?: WeChatScope | WeChatScope[];
  client?: WeChatClientOption;
  /** App state to carry through the login (object, stored server-side), or a literal state string. */
  state?: string | Record<string, unknown>;
  forcePopup?: boolean;
  callbackURL?: string;
  [key: string]: unknown;
}

/** Result of {@link Strategy.refreshAccessToken}. */
export interface WeChatRefreshResult {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  openid: string;
  scope: string;
}

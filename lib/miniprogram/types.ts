import type { Request } from 'express';
import type { AxiosInstance } from 'axios';
import type { WeChatAccessTokenManager } from '../tokens/wechat.js';
import type { CallbackDeduplicator } from '../coordination/dedupe.js';
import type { VerifyCallback } from '../shared/types.js';
import type { SessionKeyStore } from './session-keys.js';

/** The fields of a jscode2session answer a profile keeps: never `session_key`. */
export interface WeChatMiniProgramSession {
  openid: string;
  /** Only when the Mini Program is bound to an Open Platform account. */
  unionid?: string;
}

/** What `WeChatMiniProgramStrategy` hands verify. It never carries the session_key. */
export interface WeChatMiniProgramProfile {
  provider: 'wechat';
  /** The openid: stable per user per Mini Program. */
  id: string;
  openid: string;
  /** Present only when WeChat sent one. */
  unionid?: string;
  appID: string;
  client: 'miniprogram';
  _json: WeChatMiniProgramSession;
}

export type MiniProgramVerifyFunction = (profile: WeChatMiniProgramProfile, done: VerifyCallback) => void;
export type MiniProgramVerifyFunctionWithRequest = (
  req: Request,
  profile: WeChatMiniProgramProfile,
  done: VerifyCallback,
) => void;

export interface WeChatMiniProgramStrategyOptionsBase {
  /** Env `WECHAT_MINIPROGRAM_APP_ID` when absent. */
  appID?: string | undefined;
  /** Env `WECHAT_MINIPROGRAM_APP_SECRET` when absent. Never logged. */
  appSecret?: string | undefined;
  /** One base or an ordered failover list (env `WECHAT_API_BASE_URL`), as in `WeChatStrategy`. */
  apiBaseURL?: string | readonly string[] | undefined;
  /** Per-request timeout in ms, default 5000. */
  timeout?: number | undefined;
  httpClient?: AxiosInstance | undefined;
  /** Where session_key is kept, keyed by appID + openid. Default: in memory, bounded. */
  sessionKeyStore?: SessionKeyStore | undefined;
  /** The server access token (checkSessionKey, getPhoneNumber). Default: one built from the same credentials. */
  accessTokens?: WeChatAccessTokenManager | undefined;
  /** Where duplicate submissions of one code meet. Default in-process; `RedisDeduplicator` across instances. */
  deduplicator?: CallbackDeduplicator | undefined;
  /** Default `'wechat-miniprogram'`. */
  name?: string | undefined;
}

export interface WeChatMiniProgramStrategyOptions extends WeChatMiniProgramStrategyOptionsBase {
  passReqToCallback?: false | undefined;
}

export interface WeChatMiniProgramStrategyOptionsWithRequest extends WeChatMiniProgramStrategyOptionsBase {
  passReqToCallback: true;
}

/** Why a Mini Program login failed without being an error (the `info` given to `fail`). */
export interface WeChatMiniProgramFailureInfo {
  /** `login_interrupted` (status 503): a duplicate submission whose first one's instance stopped; log in again. */
  message: 'invalid_request' | 'invalid_code' | 'user_blocked' | 'login_interrupted';
  errcode?: number;
  detail?: string;
}

/** `getPhoneNumber`'s result (miniprogram-protocol.md §4.2). */
export interface WeChatPhoneNumber {
  /** With the country prefix for foreign numbers only. */
  phoneNumber: string;
  purePhoneNumber: string;
  /** Always a string, whatever WeChat sent (it documents both). */
  countryCode: string;
}

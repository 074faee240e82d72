import { Strategy } from './wechat/strategy.js';

export {
  Strategy,
  Strategy as WeChatStrategy,
  DEFAULT_AUTHORIZATION_URL,
  DEFAULT_QRCONNECT_URL,
} from './wechat/strategy.js';
export {
  WeChatAPIError,
  WeChatTransportError,
  WeChatConfigError,
  WeChatStoreError,
  WeChatLoginInterruptedError,
  CODE_ERRCODES,
  INVALID_TOKEN_ERRCODES,
} from './transport/errors.js';
export { parseProfile, type ParseProfileContext } from './sns/profile.js';
export { WeChatOAuth2 } from './sns/oauth2.js';
export { WeChatHttpClient, DEFAULT_API_BASE_URLS, type WeChatHttpClientOptions } from './transport/http.js';
export { SessionStateStore, type SessionStateStoreOptions } from './state/session.js';
export { SignedStateStore, type SignedStateStoreOptions } from './state/signed.js';
export { MemorySeenStore, type SeenStore } from './state/seen.js';
export {
  MemoryDeduplicator,
  dedupeKey,
  type CallbackDeduplicator,
  type CallbackOutcome,
  type DedupeTicket,
  type MemoryDeduplicatorOptions,
} from './coordination/dedupe.js';
export type { WeChatStateStore, StateMeta } from './state/types.js';
export type * from './shared/types.js';
export type * from './sns/types.js';
export type { SkipUserProfile } from './sns/skip-profile.js';
export type * from './wechat/types.js';
export { WeChatMiniProgramStrategy } from './miniprogram/strategy.js';
export { WeChatMiniProgramError, type WeChatMiniProgramErrorCode } from './miniprogram/errors.js';
export {
  MemorySessionKeyStore,
  type SessionKeyStore,
  type MemorySessionKeyStoreOptions,
} from './miniprogram/session-keys.js';
export type * from './miniprogram/types.js';
export {
  WeChatAppStrategy,
  type WeChatAppProfile,
  type WeChatAppStrategyOptions,
  type WeChatAppStrategyOptionsWithRequest,
  type WeChatAppStrategyOptionsBase,
  type AppVerifyFunction,
  type AppVerifyFunctionWithParams,
  type AppVerifyFunctionWithRequest,
  type AppVerifyFunctionWithRequestAndParams,
} from './app/strategy.js';
export {
  WeChatAccessTokenManager,
  STALE_TOKEN_ERRCODES,
  type AccessTokenStore,
  type CachedAccessToken,
  type WeChatAccessTokenManagerOptions,
} from './tokens/wechat.js';
export { LOGIN_CHANNEL, UPSTREAM_CHANNEL, STORE_ERROR_CHANNEL } from './diagnostics/channels.js';
export type * from './diagnostics/types.js';
export { WeComStrategy } from './wecom/strategy.js';
export { WeComAccessTokenManager, type WeComAccessTokenManagerOptions } from './wecom/access-token.js';
export { WeComAPIError } from './wecom/errors.js';
export { DEFAULT_WECOM_AUTHORIZATION_URL, DEFAULT_WECOM_LOGIN_URL } from './wecom/authorize-url.js';
export type * from './wecom/types.js';
export { AccessTokenManager } from './tokens/manager.js';
export default Strategy;

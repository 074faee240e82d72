/** WeChat's OAuth API (`/sns/*`): the surfaces, token response, userinfo and profile shared by the web and App logins. */

/** Which WeChat surface a login uses (wechat-protocol.md §7). */
export type WeChatClient = 'mp' | 'web';

/**
 * The surface a profile came from: `WeChatStrategy`'s `mp`/`web`, the Mini
 * Program (`WeChatMiniProgramStrategy`) or the native mobile app (`WeChatAppStrategy`).
 */
export type WeChatProfileClient = WeChatClient | 'miniprogram' | 'app';

/**
 * `mp`: Official Account web authorization inside WeChat (`connect/oauth2/authorize`).
 * `web`: Open Platform website QR login (`connect/qrconnect`).
 * `auto`: `mp` when the User-Agent contains `MicroMessenger`, else `web`.
 */
export type WeChatClientOption = WeChatClient | 'auto';

export type WeChatScope = 'snsapi_base' | 'snsapi_userinfo' | 'snsapi_login';

/** `/sns/userinfo` languages. WeChat wants an underscore (`zh_CN`, not `zh-CN`, §3.3). */
export type WeChatLang = 'zh_CN' | 'zh_TW' | 'en';

/** The token response of `/sns/oauth2/access_token` (wechat-protocol.md §2.3). */
export interface WeChatTokenResponse {
  access_token: string;
  expires_in: number;
  refresh_token: string;
  openid: string;
  scope: string;
  /** Only when the app is bound to an Open Platform account (and, for mp, scope is snsapi_userinfo). */
  unionid?: string;
  /** `1` for a snapshot-page virtual user (since 2022-07, §3.4); absent otherwise. */
  is_snapshotuser?: number;
}

/** The body of `/sns/userinfo` (wechat-protocol.md §3.3). */
export interface WeChatUserInfo {
  openid: string;
  nickname?: string;
  /** 1 male, 2 female, 0 unknown; always 0 since 2021-10-20. */
  sex?: number;
  language?: string;
  city?: string;
  province?: string;
  country?: string;
  headimgurl?: string;
  privilege?: string[];
  unionid?: string;
}

/**
 * The user profile handed to verify (Passport's normalized profile plus WeChat's ids).
 * `WeChatStrategy` gives `WeChatProfile` (`client` `'mp'` or `'web'`); `WeChatAppStrategy`
 * gives `WeChatProfile<'app'>`.
 */
export interface WeChatProfile<C extends WeChatProfileClient = WeChatClient> {
  provider: 'wechat';
  /** The openid: stable per user *per app*. */
  id: string;
  openid: string;
  /** Stable across the apps of one Open Platform account; absent when WeChat sent none. */
  unionid?: string;
  /** The appid that issued this openid (openids are only unique per app). */
  appID: string;
  client: C;
  scope: string;
  /** The nickname, or `''` (always `''` for snsapi_base). */
  displayName: string;
  photos?: Array<{ value: string }>;
  /** Only when WeChat still reports sex 1 or 2 (it sends 0 since 2021-10-20). */
  gender?: 'male' | 'female';
  isSnapshotUser: boolean;
  /** The raw JSON text of the response the profile was built from. */
  _raw: string;
  /** The parsed response the profile was built from. */
  _json: WeChatUserInfo | WeChatTokenResponse;
}

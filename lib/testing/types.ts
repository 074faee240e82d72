/**
 * Public types of the WeChat emulator (`passport-wechat-oauth2/testing`).
 *
 * Kept in their own file so that every other module of the emulator can import them
 * without pulling in the server.
 */

/** Credentials of one emulated WeChat application, as a strategy would be configured with them. */
export interface MockApp {
  readonly appID: string;
  readonly appSecret: string;
}

/** Per-app overrides accepted by {@link MockWeChatOptions.apps}. */
export interface MockAppOptions {
  appID?: string;
  appSecret?: string;
  /**
   * Allowed callback domains (WeChat's 网页授权域名 / 授权回调域, protocol doc §1.3). Compared with the
   * hostname of `redirect_uri`; unlike real WeChat, a port is tolerated. Default `['localhost', '127.0.0.1']`.
   */
  domains?: readonly string[];
  /** Whether the app is bound to an Open Platform account, i.e. whether WeChat reveals `unionid` (§7). Default true. */
  boundToOpenPlatform?: boolean;
}

/** A test user that can be picked on the consent page. */
export interface MockUser {
  /** Stable identifier used in element ids (`user-<key>`), avatars and {@link MockWeChat.openidOf}. */
  readonly key: string;
  readonly nickname: string;
  /** The user's (real, non-virtual) unionid; the same for every app of the emulated Open Platform account. */
  readonly unionid: string;
  /** A snapshot-page (快照页) user: every authorization yields a fresh virtual openid/unionid and `is_snapshotuser: 1` (§3.4). */
  readonly snapshot: boolean;
  /** The phone number `getuserphonenumber` reveals for this user (mainland numbers, country code 86). */
  readonly phoneNumber: string;
}

/** User definition accepted by {@link MockWeChatOptions.users}. */
export interface MockUserOptions {
  /** `[A-Za-z0-9_-]+` */
  key: string;
  nickname: string;
  unionid?: string;
  snapshot?: boolean;
  /** Default: a stable 11-digit number derived from the key. */
  phoneNumber?: string;
}

/**
 * How an injected fault breaks a request (see {@link MockWeChat.setFault}). A number answers
 * HTTP 200 `{"errcode":N,"errmsg":"…"}` instead of the real response.
 */
export type FaultKind = 'timeout' | 'reset' | '502' | 'html' | 'truncated' | 'slow' | number;

/**
 * A client of the emulator: the Official Account (`mp`), the Open Platform website app (`web`), the
 * Mini Program (`miniprogram`) or the Open Platform mobile app (`app`, the native SDK's SendAuth).
 */
export type MockClient = 'mp' | 'web' | 'miniprogram' | 'app';

export interface MockWeChatOptions {
  /** TCP port; default 0 (any free port). */
  port?: number;
  /** Interface to bind; default `127.0.0.1`. */
  host?: string;
  /** Serve HTTPS with this key pair instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  apps?: { mp?: MockAppOptions; web?: MockAppOptions; miniprogram?: MockAppOptions; app?: MockAppOptions };
  /** Replaces the default users (at least one non-snapshot user is required). */
  users?: readonly MockUserOptions[];
  /**
   * What 拒绝 (deny) does. `'redirect'` (default) follows the documentation: 302 to `redirect_uri?state=…`
   * without `code`. `'stay'` keeps the user on the WeChat page, which is what real WeChat usually does (§1.5).
   */
  denyBehavior?: 'redirect' | 'stay';
  /** Reject authorize URLs whose parameters are not in WeChat's canonical order (§1.2). Default true. */
  strictParamOrder?: boolean;
  /** Delay of the `slow` fault in milliseconds. Default 8000. */
  slowMs?: number;
  /** Authorization-code lifetime (§2.2). Defaults: mp 300, web 600, miniprogram (js_code) 300, app (SendAuth) 600. */
  codeTtlSeconds?: { mp?: number; web?: number; miniprogram?: number; app?: number };
  /** Server access token (`/cgi-bin/token`, `/cgi-bin/stable_token`) lifetime in seconds. Default 7200. */
  serverTokenTtlSeconds?: number;
  /** `jscode2session` calls allowed per WeChat user per minute before 45011 (miniprogram-protocol.md §1). Default 100. */
  miniProgramQuotaPerMinute?: number;
  /** Token lifetimes, for testing expiry. Defaults: access 7200 (reported as `expires_in`), refresh 30 days (§3.1). */
  tokenTtlSeconds?: { access?: number; refresh?: number };
  /** `/sns/userinfo` for a snapshot-user token: a virtual profile (default) or `48001 api unauthorized` (§3.4). */
  snapshotUserinfo?: '48001' | 'virtual';
}

export interface MockWeChat {
  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  readonly url: string;
  /** `${url}/connect/oauth2/authorize` — Official Account web authorization. */
  readonly authorizationURL: string;
  /** `${url}/connect/qrconnect` — website-app QR login. */
  readonly qrconnectURL: string;
  /** `[primary, secondary]` API bases: `url` (api.weixin.qq.com role) and `url + '/api2'` (api2.weixin.qq.com role). */
  readonly apiBaseURL: readonly [string, string];
  readonly apps: { readonly mp: MockApp; readonly web: MockApp; readonly miniprogram: MockApp; readonly app: MockApp };
  readonly users: readonly MockUser[];
  /** The (non-virtual) openid of a user for one app: 28 chars `[A-Za-z0-9_-]`, starting with `o`. */
  openidOf(client: MockClient, userKey: string): string;
  /** While set, both authorize endpoints answer immediately as this user instead of showing the consent page. */
  setAutoConsent(v: { user: string; decision: 'allow' | 'deny' } | null): void;
  /** The next `count` requests whose pathname equals `path` fail with `kind`. */
  setFault(path: string, kind: FaultKind, count: number): void;
  /**
   * What `wx.login` does inside the Mini Program: a fresh single-use `js_code` (5 min) for this user,
   * and a new `session_key` that replaces the user's previous one (miniprogram-protocol.md §2.1).
   */
  miniProgramLogin(userKey: string): string;
  /** What the native SDK's SendAuth hands the mobile app: a single-use code (10 min) for `/sns/oauth2/access_token`. */
  appLogin(userKey: string): string;
  /** What `<button open-type="getPhoneNumber">` hands the Mini Program: a 64-hex, single-use code (5 min, §4). */
  phoneCode(userKey: string): string;
  /**
   * Open data as the Mini Program client receives it: `data` plus a `watermark` (the Mini Program's
   * appid, now) encrypted with AES-128-CBC under the user's current `session_key` (§3). A `watermark`
   * in `data` is kept as given (to test another appid's data).
   */
  encryptedDataFor(userKey: string, data: Record<string, unknown>): { encryptedData: string; iv: string };
  /** WeChat's per-user risk block: while set, `jscode2session` answers 40226 for this user's codes. */
  setUserBlocked(userKey: string, blocked: boolean): void;
  /** Clears faults, auto-consent, issued codes and tokens, and the request/connection counters. */
  reset(): void;
  /** Stops the server and destroys every open socket (including hung `timeout` requests). */
  close(): Promise<void>;
}

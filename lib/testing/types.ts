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
  apps?: {
    mp?: MockAppOptions;
    web?: MockAppOptions;
    miniprogram?: MockAppOptions;
    app?: MockAppOptions;
    /** The WeCom corp's main self-built app (wecom-protocol.md §7). */
    wecom?: MockWeComAppOptions;
    /** A second self-built app of the same corp, with its own agentID, secret and token. */
    wecomOther?: MockWeComAppOptions;
  };
  /** Corp-wide WeCom (企业微信) settings and switches (wecom-protocol.md §7). */
  wecom?: MockWeComOptions;
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
  readonly apps: {
    readonly mp: MockApp;
    readonly web: MockApp;
    readonly miniprogram: MockApp;
    readonly app: MockApp;
    readonly wecom: MockWeComApp;
    readonly wecomOther: MockWeComApp;
  };
  readonly users: readonly MockUser[];
  /** Where a WeCom strategy sends browsers and API calls (all on this one server). */
  readonly wecom: MockWeComURLs;
  /** The WeCom corp's test identities: members, a linked-corp member, non-members. */
  readonly wecomUsers: readonly MockWeComUser[];
  /** While set, the WeCom authorize and login pages answer immediately as this WeCom user. */
  setWeComAutoConsent(v: { user: string; decision: 'allow' | 'deny' } | null): void;
  /** Changes an agent's admin-console settings (trusted domains and IPs, visible range, …) at run time. */
  configureWeCom(agent: MockWeComAgent, patch: MockWeComAppPatch): void;
  /** WeCom's early invalidation (§2.2): the agents' current corp tokens answer 42001 and `gettoken` mints new ones. */
  expireWeComTokens(agent?: MockWeComAgent): void;
  /** Forgets the agents' corp tokens altogether: they answer 40014 (a secret reset, §2.2). */
  revokeWeComTokens(agent?: MockWeComAgent): void;
  /** A single-use WeCom code as if `userKey` had just logged in, without the pages (tests of the exchange). */
  wecomCode(userKey: string, opts?: MockWeComCodeOptions): string;
  /** The request counters that `GET /__mock/stats` reports. */
  stats(): MockStats;
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

/** The two WeCom self-built apps (agents) of the emulated corp. */
export type MockWeComAgent = 'wecom' | 'wecomOther';

/** Credentials of one WeCom self-built app, as a strategy would be configured with them. */
export interface MockWeComApp {
  readonly corpID: string;
  /** Digits, like `'1000002'`. */
  readonly agentID: string;
  readonly agentSecret: string;
}

/** A field `auth/getuserdetail` can reveal once the admin enabled it (wecom-protocol.md §3.3). */
export type MockWeComSensitiveField = 'gender' | 'avatar' | 'qr_code' | 'mobile' | 'email' | 'biz_mail' | 'address';

/** Admin-console settings of one agent that tests may change at run time ({@link MockWeChat.configureWeCom}). */
export interface MockWeComAppPatch {
  /**
   * 可信域名 (§1.5): compared with redirect_uri's host. An entry with a port (`localhost:3000`) must match
   * host and port exactly; one without matches the hostname on any port. Default `['localhost', '127.0.0.1']`.
   */
  domains?: readonly string[];
  /**
   * 企业可信IP (§2.3): API callers from other IPs get 60020. `[]` means none configured, which only
   * {@link createdAfter20220620} apps feel (every call gets 60020). Default `['127.0.0.1', '::1']`.
   */
  trustedIPs?: readonly string[];
  /** Created on or after 2022-06-20 (§2.3, §3.4): `user/get` drops avatar, gender, mobile, email, … and trusted IPs are mandatory. Default false. */
  createdAfter20220620?: boolean;
  /** Fields the admin enabled for `getuserdetail` (§3.3); none means no `user_ticket`. Default all seven. */
  sensitiveFields?: readonly MockWeComSensitiveField[];
  /** 可见范围: member userids the app may see (§3.4). Default every member whose `visible` is not false. */
  visibleUserIDs?: readonly string[];
  /** A disabled app gets 50003 from `gettoken` (§2.2). Default true. */
  enabled?: boolean;
}

export interface MockWeComAppOptions extends MockWeComAppPatch {
  /** Default `'1000002'` (wecom) and `'1000003'` (wecomOther). */
  agentID?: string;
  agentSecret?: string;
}

/** Who a WeCom identity is (wecom-protocol.md §4). */
export type MockWeComUserKind = 'member' | 'linked' | 'guest';

/** A WeCom test identity, picked on the pages by `key` (element id `user-<key>`). */
export interface MockWeComUser {
  readonly key: string;
  readonly kind: MockWeComUserKind;
  /** Members: the corp userid, mixed case (`ZhangSan`); linked-corp members: `CorpId/userid` (§3.1). */
  readonly userid?: string;
  /** Non-members: the per-corp openid (§3.1). */
  readonly openid?: string;
  /** Non-members who are the corp's customers (外部联系人). */
  readonly externalUserID?: string;
  readonly name?: string;
  readonly department?: readonly number[];
  readonly position?: string;
  readonly mobile?: string;
  readonly email?: string;
  readonly bizMail?: string;
  /** `'0'` undefined, `'1'` male, `'2'` female — a string, as WeCom sends it (§3.3). */
  readonly gender?: '0' | '1' | '2';
  /** Default `${url}/avatar/wecom-<key>.svg`. */
  readonly avatar?: string;
  readonly address?: string;
  /** Members only: whether the default visible range of both apps includes them. */
  readonly visible: boolean;
}

export type MockWeComUserOptions = Omit<MockWeComUser, 'visible'> & { visible?: boolean };

/** Corp-wide WeCom options; every switch defaults to the documented behaviour. */
export interface MockWeComOptions {
  /** Default `'ww6d6f636b636f7270'` (`ww` + hex of `mockcorp`). */
  corpID?: string;
  /** Replaces the default identities (keys `[A-Za-z0-9_-]+`; at least one member). */
  users?: readonly MockWeComUserOptions[];
  /** Code lifetime (§3.1). Default 300. */
  codeTtlSeconds?: number;
  /** Corp token lifetime (§2.2). Default 7200. */
  tokenTtlSeconds?: number;
  /** `user_ticket` lifetime (§3.3; older pages say 7200). Default 1800. */
  userTicketTtlSeconds?: number;
  /** `gettoken` while the agent's token is valid: the same token (default) or a new one each call (§2.2 ⚠️). */
  tokenReuse?: 'same' | 'rotate';
  /** What an expired corp token answers: 42001 (default) or 40014, which clients see in the wild (§5). */
  expiredToken?: 42001 | 40014;
  /** `snsapi_privateinfo` without agentid: the error page (default) or a silent downgrade to snsapi_base (§1.1 ⚠️). */
  privateinfoWithoutAgentid?: 'error' | 'downgrade';
  /** In-client authorize: state outside `[A-Za-z0-9]{0,128}` shows an error page (§1.1). Default true. */
  strictState?: boolean;
  /** Deny on the consent page and cancel on wwlogin: stay on the page (default, §1.1 ⚠️) or 302 with `state` only. qrConnect always redirects (§1.4). */
  denyBehavior?: 'stay' | 'redirect';
  /** qrConnect callbacks also carry `appid=CORPID` (observed, §1.4). Default false. */
  appendAppidToQrConnectCallback?: boolean;
}

/** Where the WeCom surfaces live on the emulator. */
export interface MockWeComURLs {
  /** `${url}/connect/oauth2/authorize`: in-client 网页授权 (the Official Account path; `appid` = corpID tells them apart). */
  readonly authorizationURL: string;
  /** `${url}/wwlogin/sso/login`: 企业微信Web登录 (browser QR / desktop quick login). */
  readonly loginURL: string;
  /** `${url}/wwopen/sso/qrConnect`: the old QR login. */
  readonly qrConnectURL: string;
  /** `${url}`: the qyapi.weixin.qq.com role (`${apiBaseURL}/cgi-bin/gettoken`, …). */
  readonly apiBaseURL: string;
}

/** Options of {@link MockWeChat.wecomCode}. */
export interface MockWeComCodeOptions {
  /** The agent the login was for. Default `'wecom'`. */
  agent?: MockWeComAgent;
  /** Default `'snsapi_base'`; `'wwlogin'` is a browser-login code (never a user_ticket). */
  scope?: 'snsapi_base' | 'snsapi_privateinfo' | 'wwlogin';
  /** The callback the code was delivered to; its host is checked against the token app's trusted domains (50001). Default `http://localhost:3000/auth/wecom/callback`. */
  redirectURI?: string;
}

/** Request counters (also `GET /__mock/stats`). */
export interface MockStats {
  /** Requests per pathname of the known routes (API, authorize and login pages), faulted ones included. */
  readonly requests: Readonly<Record<string, number>>;
  /** TCP connections accepted. */
  readonly connections: number;
  readonly tlsSessions?: { readonly full: number; readonly resumed: number };
  /** `/cgi-bin/gettoken` requests per agentID (by the `corpsecret` they carry), faulted ones included. */
  readonly wecomGettoken: Readonly<Record<string, number>>;
}

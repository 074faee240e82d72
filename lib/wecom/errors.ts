import { WeChatAPIError } from '../transport/errors.js';

/**
 * What to fix, per WeCom errcode, so an operator reading the log line knows
 * the next step (wecom-protocol.md §2.4, §5). Messages never carry the
 * secret, the corp token, a code or a user_ticket: only the errcode, WeCom's
 * errmsg (which has none of them) and the endpoint path.
 */
const HINTS: Readonly<Record<number, string>> = {
  [-1]: 'WeCom is busy; retry later',
  40001: 'check agentSecret: WeCom rejected it (wrong, reset, or the app lost its permissions)',
  40013: 'check corpID: WeCom does not know this CorpID',
  40014: 'the corp access token is invalid; it is fetched again',
  40029: 'the code is invalid, expired or already used; start a new login',
  40091: "check agentSecret: it is not this corp's (a secret of another corp?)",
  42001: 'the corp access token expired; it is fetched again',
  50001:
    "the callback's host is not the app's trusted domain (可信域名): add it in the WeCom admin console under the app's 网页授权及JS-SDK / 企业微信授权登录 settings, or fix callbackURL (behind a proxy: a fixed absolute callbackURL, or `proxy: true`)",
  50002: 'the member is outside the app visible range (可见范围)',
  50003: 'the app is disabled in the WeCom admin console',
  60011: 'the member is outside the app visible range (可见范围)',
  60020:
    "this server's outbound IP is not in the app's trusted IPs (企业可信IP): add the IP WeCom reported in the WeCom admin console (apps created on or after 2022-06-20 must list them)",
  84014: 'the user_ticket expired (1800 s); start a new login',
  84015: 'the user_ticket is invalid',
  301002: 'the token belongs to another app: use one WeComAccessTokenManager per agent (corpID + agentID)',
};

/** An `errcode` answer from a WeCom API (`qyapi.weixin.qq.com`, HTTP 200 with `{errcode, errmsg}`). */
export class WeComAPIError extends WeChatAPIError {
  /** The `from ip:` WeCom reported (60020 and others), when it sent one. */
  readonly fromIP?: string;

  constructor(errcode: number, errmsg: string, endpoint: string, detail?: string) {
    super(errcode, errmsg, endpoint);
    this.name = 'WeComAPIError';
    const fromIP = /from ip:\s*([0-9a-fA-F.:]+)/.exec(errmsg)?.[1];
    if (fromIP) this.fromIP = fromIP;
    const hint = [HINTS[errcode], detail].filter(Boolean).join('; ');
    this.message = `WeCom API ${endpoint} answered errcode ${errcode} (${shortErrmsg(errmsg)})${hint ? `: ${hint}` : ''}`;
  }
}

/** WeCom's errmsg without its `, hint: […], from ip: …, more info at …` tail (§2.4). */
function shortErrmsg(errmsg: string): string {
  return errmsg.replace(/,\s*(hint:|from ip:|more info at).*$/s, '').trim() || errmsg;
}

/** The transport's dialect for WeCom: its errcodes, and 40029 for a code redeemed twice (§3.1). */
export const WECOM_DIALECT = {
  apiError: (errcode: number, errmsg: string, endpoint: string): WeChatAPIError =>
    new WeComAPIError(errcode, errmsg, endpoint),
  reusedCodeErrcode: 40029,
};

/** Stale corp tokens: invalidate, fetch once, retry once (§2.4; expired tokens also answer 40014). */
export const WECOM_STALE_TOKEN_ERRCODES: ReadonlySet<number> = new Set([40014, 42001]);

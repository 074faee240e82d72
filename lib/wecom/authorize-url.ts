/** Inside WeCom: 网页授权登录 (wecom-protocol.md §1.1). */
export const DEFAULT_WECOM_AUTHORIZATION_URL = 'https://open.weixin.qq.com/connect/oauth2/authorize';
/** In a desktop browser: the new 企业微信Web登录 (§1.3). */
export const DEFAULT_WECOM_LOGIN_URL = 'https://login.work.weixin.qq.com/wwlogin/sso/login';

export interface AuthorizeTarget {
  corpID: string;
  agentID: string | undefined;
  redirectURI: string;
  state: string;
}

/**
 * The in-client authorize URL, parameters in DW/96441's order (§1.1: the
 * official copies disagree on order, and WeCom enforces none), ending in
 * `#wechat_redirect`, which the client reads to attach the identity.
 * `agentid` is recommended for base and required for privateinfo.
 */
export function inClientAuthorizeURL(base: string, scope: string, target: AuthorizeTarget): string {
  const params: Array<[string, string]> = [
    ['appid', target.corpID],
    ['redirect_uri', target.redirectURI],
    ['response_type', 'code'],
    ['scope', scope],
    ['state', target.state],
  ];
  if (target.agentID) params.push(['agentid', target.agentID]);
  return `${withQuery(base, params)}#wechat_redirect`;
}

/** The browser login (§1.3): no scope, response_type or fragment; `agentid` is required for CorpApp. */
export function browserLoginURL(
  base: string,
  loginType: string,
  lang: string | undefined,
  target: AuthorizeTarget,
): string {
  const params: Array<[string, string]> = [
    ['login_type', loginType],
    ['appid', target.corpID],
    ['agentid', target.agentID ?? ''],
    ['redirect_uri', target.redirectURI],
    ['state', target.state],
  ];
  if (lang) params.push(['lang', lang]);
  return withQuery(base, params);
}

/** Every value URL-encoded: an unencoded `redirect_uri` loses everything after its first `&` (§1.1). */
function withQuery(base: string, params: Array<[string, string]>): string {
  const query = params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}

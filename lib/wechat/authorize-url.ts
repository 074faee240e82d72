/**
 * WeChat regex-matches the authorize link: "如果链接的参数顺序不对，授权页面将无法正常访问"
 * (if the parameters are out of order the page will not open; wechat-protocol.md §1.2).
 * passport-oauth2 emits them in insertion order and appends `client_id`
 * (style-anchors.md §4.12), so the strategy rewrites its redirect with this.
 */
const ORDER = ['appid', 'redirect_uri', 'response_type', 'scope', 'state'] as const;
const OPTIONAL = ['connect_redirect', 'forcePopup'] as const;
/** passport-oauth2's names for what WeChat calls otherwise; never sent. */
const DROPPED = ['client_id'] as const;
const KNOWN: ReadonlySet<string> = new Set([...ORDER, ...OPTIONAL, ...DROPPED]);

/**
 * Rebuild `location` as `authorize?appid&redirect_uri&response_type&scope&state[&connect_redirect][&forcePopup]#wechat_redirect`.
 * Each value is encoded exactly once.
 */
export function toWeChatAuthorizeURL(location: string): string {
  const url = new URL(location);
  const params = url.searchParams;
  const pairs: string[] = [];
  for (const name of [...ORDER, ...OPTIONAL]) {
    const value = params.get(name);
    if (value !== null) pairs.push(`${name}=${encodeURIComponent(value)}`);
  }
  // Parameters already on a custom authorizationURL are kept, after WeChat's own.
  for (const [name, value] of params) {
    if (!KNOWN.has(name)) pairs.push(`${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
  }
  // The fragment is required "无论直接打开还是做页面302重定向" (§1.1).
  return `${url.origin}${url.pathname}?${pairs.join('&')}#wechat_redirect`;
}

/**
 * Helpers of the WeCom emulator specs: URLs in WeCom's shape and the calls a WeCom strategy makes,
 * all over real HTTP on 127.0.0.1.
 */
import type { MockWeChat, MockWeComAgent } from 'passport-wechat-oauth2/testing';
import { get, json, qs, request, type HttpResult } from './helpers';

export const WECOM_CALLBACK = 'http://localhost:3000/auth/wecom/callback';

/** `<text>, hint: [<unix s + 15 digits>], from ip: 127.0.0.1, more info at …?e=<code>` (wecom-protocol.md §7). */
export function errmsgRe(text: string, errcode: number): RegExp {
  const escaped = text.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(
    `^${escaped}, hint: \\[\\d{25}\\], from ip: 127\\.0\\.0\\.1, more info at https://open\\.work\\.weixin\\.qq\\.com/devtool/query\\?e=${errcode}$`,
  );
}

/** The in-client authorize URL in DW/96441's parameter order. */
export function wecomAuthorizeURL(
  mock: MockWeChat,
  opts: { scope?: string; state?: string | null; redirectURI?: string; agentid?: string | null } = {},
): string {
  const params: Array<[string, string]> = [
    ['appid', mock.apps.wecom.corpID],
    ['redirect_uri', opts.redirectURI ?? WECOM_CALLBACK],
    ['response_type', 'code'],
    ['scope', opts.scope ?? 'snsapi_base'],
  ];
  if (opts.state !== null) params.push(['state', opts.state ?? 'abc123']);
  if (opts.agentid !== null) params.push(['agentid', opts.agentid ?? mock.apps.wecom.agentID]);
  // `#wechat_redirect` is a fragment: browsers never send it (§1.1).
  return `${mock.wecom.authorizationURL}?${qs(params)}`;
}

/** 企业微信Web登录 (§1.3). */
export function wwloginURL(
  mock: MockWeChat,
  opts: { agent?: MockWeComAgent; redirectURI?: string; state?: string; loginType?: string } = {},
): string {
  const app = mock.apps[opts.agent ?? 'wecom'];
  return `${mock.wecom.loginURL}?${qs([
    ['login_type', opts.loginType ?? 'CorpApp'],
    ['appid', app.corpID],
    ['agentid', app.agentID],
    ['redirect_uri', opts.redirectURI ?? WECOM_CALLBACK],
    ['state', opts.state ?? 'S1'],
  ])}`;
}

export function qrConnectURL(mock: MockWeChat, opts: { redirectURI?: string; state?: string } = {}): string {
  return `${mock.wecom.qrConnectURL}?${qs([
    ['appid', mock.apps.wecom.corpID],
    ['agentid', mock.apps.wecom.agentID],
    ['redirect_uri', opts.redirectURI ?? WECOM_CALLBACK],
    ['state', opts.state ?? 'web_login@gyoss9'],
  ])}`;
}

export async function gettoken(mock: MockWeChat, agent: MockWeComAgent = 'wecom'): Promise<string> {
  const app = mock.apps[agent];
  const r = await get(
    `${mock.wecom.apiBaseURL}/cgi-bin/gettoken?${qs([
      ['corpid', app.corpID],
      ['corpsecret', app.agentSecret],
    ])}`,
  );
  const token = json(r).access_token;
  if (typeof token !== 'string') throw new Error(`gettoken failed: ${r.body}`);
  return token;
}

export function qyapi(mock: MockWeChat, path: string, params: Array<[string, string]>): Promise<HttpResult> {
  return get(`${mock.wecom.apiBaseURL}${path}?${qs(params)}`);
}

export function postJson(mock: MockWeChat, path: string, token: string, body: unknown): Promise<HttpResult> {
  return request(`${mock.wecom.apiBaseURL}${path}?access_token=${encodeURIComponent(token)}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** `auth/getuserinfo` with a token of `agent`. */
export async function exchangeWeComCode(
  mock: MockWeChat,
  code: string,
  agent: MockWeComAgent = 'wecom',
  path = '/cgi-bin/auth/getuserinfo',
): Promise<HttpResult> {
  return qyapi(mock, path, [
    ['access_token', await gettoken(mock, agent)],
    ['code', code],
  ]);
}

export function expectWeComError(r: HttpResult, errcode: number, text?: string): void {
  expect(r.status).toBe(200);
  const body = json(r);
  expect(body.errcode).toBe(errcode);
  if (text !== undefined) expect(body.errmsg).toMatch(errmsgRe(text, errcode));
  expect(r.headers['error-code']).toBe(String(errcode));
}

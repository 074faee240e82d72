/**
 * Real-HTTP helpers for the emulator specs (no stubbing: every call goes over 127.0.0.1).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import type { FaultKind, MockWeChat } from 'passport-wechat-oauth2/testing';
import type { WeChatTokenResponse } from '../../lib/sns/types';

export interface HttpResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  /** Client-side give-up time; the promise rejects with `Error('client timeout')`. */
  timeoutMs?: number;
  /** CA for HTTPS requests. */
  ca?: string;
}

export function request(url: string, opts: RequestOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    // agent:false → one connection per request, so tests never share sockets with each other.
    const req = lib.request(
      u,
      { method: opts.method ?? 'GET', headers: opts.headers, agent: false, ca: opts.ca },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (opts.timeoutMs !== undefined) {
      req.setTimeout(opts.timeoutMs, () => req.destroy(new Error('client timeout')));
    }
    req.end(opts.body);
  });
}

/** A GET (what almost every emulator test sends); other methods go through {@link request}. */
export function get(url: string, opts: Omit<RequestOptions, 'method' | 'body'> = {}): Promise<HttpResult> {
  return request(url, opts);
}

export function postForm(url: string, form: Record<string, string>): Promise<HttpResult> {
  const body = new URLSearchParams(form).toString();
  return request(url, { method: 'POST', body, headers: { 'Content-Type': 'application/x-www-form-urlencoded' } });
}

export function json(r: HttpResult): Record<string, unknown> {
  return JSON.parse(r.body) as Record<string, unknown>;
}

export function qs(params: ReadonlyArray<readonly [string, string]>): string {
  return params.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
}

export const CALLBACK = 'http://localhost:3000/auth/wechat/callback';

/** An authorize URL in WeChat's canonical parameter order. */
export function authorizeURL(
  mock: MockWeChat,
  client: 'mp' | 'web',
  opts: { scope?: string; state?: string; redirectURI?: string; appid?: string } = {},
): string {
  const base = client === 'mp' ? mock.authorizationURL : mock.qrconnectURL;
  const scope = opts.scope ?? (client === 'mp' ? 'snsapi_userinfo' : 'snsapi_login');
  const params: Array<[string, string]> = [
    ['appid', opts.appid ?? mock.apps[client].appID],
    ['redirect_uri', opts.redirectURI ?? CALLBACK],
    ['response_type', 'code'],
    ['scope', scope],
  ];
  if (opts.state !== undefined) params.push(['state', opts.state]);
  return `${base}?${qs(params)}`;
}

export function uuidFrom(page: string): string {
  const m = /name="uuid" value="([^"]+)"/.exec(page);
  if (!m) throw new Error('no uuid in page');
  return m[1];
}

/** Query of a redirect Location (the part before any fragment). */
export function locationQuery(r: HttpResult): URLSearchParams {
  const loc = r.headers.location;
  if (!loc) throw new Error(`expected a redirect, got ${r.status}`);
  return new URL(loc).searchParams;
}

/** Runs the consent UI (page → confirm form) as `user` and returns the code from the callback. */
export async function obtainCode(
  mock: MockWeChat,
  client: 'mp' | 'web',
  opts: { user?: string; scope?: string; state?: string } = {},
): Promise<string> {
  const page = await get(authorizeURL(mock, client, { scope: opts.scope, state: opts.state ?? 'abc123' }));
  if (page.status === 302) return locationQuery(page).get('code') as string;
  const uuid = uuidFrom(page.body);
  const r = await postForm(`${mock.url}/connect/confirm`, { uuid, user: opts.user ?? 'alice', decision: 'allow' });
  const code = locationQuery(r).get('code');
  if (!code) throw new Error('no code');
  return code;
}

export async function exchange(
  mock: MockWeChat,
  client: 'mp' | 'web',
  code: string,
  base = mock.apiBaseURL[0],
): Promise<HttpResult> {
  const app = mock.apps[client];
  return get(
    `${base}/sns/oauth2/access_token?${qs([
      ['appid', app.appID],
      ['secret', app.appSecret],
      ['code', code],
      ['grant_type', 'authorization_code'],
    ])}`,
  );
}

export async function login(
  mock: MockWeChat,
  client: 'mp' | 'web',
  opts: { user?: string; scope?: string } = {},
): Promise<WeChatTokenResponse> {
  const code = await obtainCode(mock, client, opts);
  return json(await exchange(mock, client, code)) as unknown as WeChatTokenResponse;
}

/** Arms (count > 0) or disarms (count 0) the same fault on the primary API host and on api2, so failover cannot save the call. */
export function setFaultOnBothBases(mock: MockWeChat, path: string, kind: FaultKind, count = 1): void {
  mock.setFault(path, kind, count);
  mock.setFault(`/api2${path}`, kind, count);
}

/** Lets emulator clock-based behaviour (code and token lifetimes) elapse. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

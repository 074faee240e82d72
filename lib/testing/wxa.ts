/**
 * The server-side Mini Program APIs: `/cgi-bin/token`, `/cgi-bin/stable_token`, `/wxa/checksession`
 * and `/wxa/business/getuserphonenumber` (miniprogram-protocol.md §2.2, §4.2, §5, §7). Like every
 * WeChat API they answer HTTP 200 with an errcode body for protocol errors.
 */
import { createHmac } from 'node:crypto';
import type { EmulatorContext } from './context.js';
import { errorBody, wechatJson } from './json.js';
import { checkServerToken, cgiToken, stableToken } from './server-tokens.js';

export interface ServerApiRequest {
  method: string;
  query: URLSearchParams;
  /** The request body ('' for a GET). */
  body: string;
}

export interface ServerApiRoute {
  /** WeChat labels these `application/json; encoding=utf-8` (§5). */
  readonly contentType: string;
  /** Routes that take a JSON body; the emulator reads bodies only for them. */
  readonly readsBody: boolean;
  handle(ctx: EmulatorContext, r: ServerApiRequest): string;
}

const CGI_JSON = 'application/json; encoding=utf-8';

/** `GET /wxa/checksession`: signature = hex(HMAC-SHA256(key = session_key *text*, msg = '')) (§2.2). */
function checkSession(ctx: EmulatorContext, { query: q }: ServerApiRequest): string {
  const app = checkServerToken(ctx, q);
  if (typeof app === 'string') return app;
  if (q.get('sig_method') !== 'hmac_sha256') return errorBody(87008);
  const openid = q.get('openid') ?? '';
  const key = ctx.miniProgram.sessionKeys.get(openid);
  const expected = key === undefined ? undefined : createHmac('sha256', key).update('').digest('hex');
  if (expected === undefined || q.get('signature') !== expected) return errorBody(87009);
  return wechatJson({ errcode: 0, errmsg: 'ok' });
}

/** `POST /wxa/business/getuserphonenumber?access_token=` with JSON `{"code"}` (§4.2). */
function phoneNumber(ctx: EmulatorContext, { method, query, body }: ServerApiRequest): string {
  if (method !== 'POST') return errorBody(43002);
  const app = checkServerToken(ctx, query);
  if (typeof app === 'string') return app;
  if (body.trim() === '') return errorBody(44002);
  let code: unknown;
  try {
    code = (JSON.parse(body) as { code?: unknown } | null)?.code;
  } catch {
    return errorBody(47001);
  }
  const now = Date.now();
  const rec = typeof code === 'string' ? ctx.miniProgram.phoneCodes.get(code, now) : undefined;
  // Unknown, expired, used and other-app codes all answer 40029 ("每个code只能使用一次").
  if (!rec || rec.used || rec.expiresAt <= now || rec.app !== app) return errorBody(40029);
  rec.used = true;
  const phone = rec.user.phoneNumber;
  // Success carries errcode 0 (unlike jscode2session), and countryCode is a string.
  return wechatJson({
    errcode: 0,
    errmsg: 'ok',
    phone_info: {
      phoneNumber: phone,
      purePhoneNumber: phone,
      countryCode: '86',
      watermark: { timestamp: Math.floor(now / 1000), appid: app.appID },
    },
  });
}

export const SERVER_API_ROUTES: ReadonlyMap<string, ServerApiRoute> = new Map<string, ServerApiRoute>([
  ['/cgi-bin/token', { contentType: CGI_JSON, readsBody: false, handle: (ctx, r) => cgiToken(ctx, r.query) }],
  [
    '/cgi-bin/stable_token',
    { contentType: CGI_JSON, readsBody: true, handle: (ctx, r) => stableToken(ctx, r.method, r.body) },
  ],
  ['/wxa/checksession', { contentType: CGI_JSON, readsBody: false, handle: checkSession }],
  ['/wxa/business/getuserphonenumber', { contentType: CGI_JSON, readsBody: true, handle: phoneNumber }],
]);

/**
 * WeCom's API envelope (wecom-protocol.md §2.4, §7 "Envelope"): always HTTP 200, JSON labelled
 * `application/json; charset=UTF-8`, `errcode`/`errmsg` in every body (success `0`/`"ok"`) and mirrored
 * in `Error-Code`/`Error-Msg` headers; errors carry
 * `<text>, hint: [<hint>], from ip: <ip>, more info at https://open.work.weixin.qq.com/devtool/query?e=<code>`.
 * Unlike WeChat (wechat-protocol.md §2.4) there is no `rid` and `/` is not escaped.
 */
import { randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

export const WECOM_JSON = 'application/json; charset=UTF-8';

/** errmsg texts: as captured where the doc cites one (§2.4, §3), WeCom's English gloss otherwise. */
const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system busy',
  40001: 'invalid credential',
  40013: 'invalid corpid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40091: 'secret is invalid',
  41001: 'access_token missing',
  41002: 'corpid missing',
  41004: 'corpsecret missing',
  41008: 'missing code',
  41009: 'missing userid',
  42001: 'access_token expired',
  43002: 'require POST method',
  45009: 'api freq out of limit',
  45033: 'api concurrent out of limit',
  47001: 'data format error',
  48002: 'api forbidden',
  50001: 'redirect_uri unauthorized',
  50003: 'application is disabled',
  60011: 'no privilege to access/modify contact/party/agent',
  60020: 'not allow to access from your ip',
  60111: 'userid not found',
  // ⚠️ The 840xx strings are unseen (§3.3); these follow WeCom's wording of the codes.
  84014: 'user ticket expired',
  84015: 'invalid user ticket',
  84090: 'missing user ticket',
  301002: 'not allow operate another agent with this accesstoken.',
};

/** A response body plus the errcode/errmsg the headers mirror. */
export interface WeComReply {
  errcode: number;
  errmsg: string;
  body: string;
}

/** The 2022+ hint: unix seconds + 15 digits, e.g. `1655882753557010848204971` (§7). */
function hint(): string {
  let digits = '';
  for (let i = 0; i < 15; i++) digits += randomInt(10).toString();
  return `${Math.floor(Date.now() / 1000)}${digits}`;
}

/** The caller as WeCom reports it in `from ip:` (IPv4-mapped IPv6 shown as plain IPv4). */
export function callerIP(req: IncomingMessage): string {
  const ip = req.socket.remoteAddress ?? '';
  return ip.startsWith('::ffff:') ? ip.slice(7) : ip;
}

export function wecomError(errcode: number, ip: string): WeComReply {
  const text = ERRMSG[errcode] ?? 'mock error';
  const errmsg = `${text}, hint: [${hint()}], from ip: ${ip}, more info at https://open.work.weixin.qq.com/devtool/query?e=${errcode}`;
  return { errcode, errmsg, body: JSON.stringify({ errcode, errmsg }) };
}

/** Success: `errcode`/`errmsg` first, then `fields` in the order given (official examples, §2.1, §3). */
export function wecomOk(fields: Record<string, unknown>): WeComReply {
  return { errcode: 0, errmsg: 'ok', body: JSON.stringify({ errcode: 0, errmsg: 'ok', ...fields }) };
}

export function sendWeCom(res: ServerResponse, reply: WeComReply): void {
  res.writeHead(200, {
    'Content-Type': WECOM_JSON,
    'Content-Length': Buffer.byteLength(reply.body),
    'Error-Code': String(reply.errcode),
    'Error-Msg': reply.errmsg,
  });
  res.end(reply.body);
}

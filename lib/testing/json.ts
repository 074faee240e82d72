/**
 * WeChat's JSON dialect (protocol doc §2.4, §2.5): `/` escaped as `\/`, errors as HTTP 200 bodies
 * `{"errcode":N,"errmsg":"<text>, rid: xxxxxxxx-xxxxxxxx-xxxxxxxx"}`.
 */
import { randomRid } from './ids.js';

/** errmsg texts as observed in real responses (§4) where known. */
const ERRMSG: Readonly<Record<number, string>> = {
  [-1]: 'system error',
  40001: 'invalid credential, access_token is invalid or not latest',
  40002: 'invalid grant_type',
  40003: 'invalid openid',
  40013: 'invalid appid',
  40014: 'invalid access_token',
  40029: 'invalid code',
  40030: 'invalid refresh_token',
  40125: 'invalid appsecret',
  40163: 'code been used',
  40226: 'code blocked',
  41001: 'access_token missing',
  41002: 'appid missing',
  41003: 'refresh_token missing',
  41004: 'appsecret missing',
  41008: 'missing code',
  41009: 'missing openid',
  42001: 'access_token expired',
  42002: 'refresh_token expired',
  42003: 'code expired',
  43002: 'require POST method',
  44002: 'empty post data',
  45009: 'reach max api daily quota limit',
  45011: 'api minute-quota reach limit mustslower retry next minute',
  47001: 'data format error',
  48001: 'api unauthorized',
  40164: 'invalid ip, not in whitelist',
  87008: 'invalid sig_method',
  87009: 'invalid signature',
};

/** Serialises like WeChat: plain JSON.stringify (insertion order = field order) with `/` → `\/`. */
export function wechatJson(body: object): string {
  return JSON.stringify(body).replace(/\//g, '\\/');
}

export function errorBody(errcode: number): string {
  const text = ERRMSG[errcode] ?? 'mock error';
  return wechatJson({ errcode, errmsg: `${text}, rid: ${randomRid()}` });
}

import type { Request } from 'express';
import type { StateTags } from '../redirect/tagged-state.js';
import type { WeChatClient } from '../sns/types.js';
import type { StateMeta } from '../state/types.js';
import type { ResolvedConfig } from './config.js';

/** The first character of a state names the app that issued it (see ClientTaggedStore). */
export const CLIENT_TAGS: StateTags<WeChatClient> = { mp: 'm', web: 'w' };

/** `auto`: the Official Account login inside WeChat's browser, the website QR login elsewhere (§7). */
export function isInsideWeChat(req: Request): boolean {
  const ua = req.headers?.['user-agent'];
  return typeof ua === 'string' && /MicroMessenger/i.test(ua);
}

/** Which app a login being started belongs to, from passport-oauth2's metadata (appid + authorize URL). */
export function clientOfMeta(meta: StateMeta, config: ResolvedConfig): WeChatClient {
  const web = config.credentials.web;
  return web && meta.clientID === web.appID && meta.authorizationURL === config.authorizeURL.web ? 'web' : 'mp';
}

/** snsapi_base gives no userinfo: the token response is the whole profile. */
export function isBaseScope(scope: string | undefined): boolean {
  return (scope ?? '').split(',').every((s) => s.trim() === 'snsapi_base');
}

/**
 * The qyapi.weixin.qq.com role (wecom-protocol.md §2, §3). Its paths do not collide with WeChat's
 * `/cgi-bin/token` family, so both live on the emulator's one server.
 */
import { gettoken } from './access.js';
import { userGet } from './contacts.js';
import { authGetuserdetail, authGetuserinfo, userGetuserdetail, userGetuserinfo } from './identity.js';
import type { WeComApiRoute } from './request.js';

export const GETTOKEN_PATH = '/cgi-bin/gettoken';

export const WECOM_API_ROUTES: ReadonlyMap<string, WeComApiRoute> = new Map<string, WeComApiRoute>([
  [GETTOKEN_PATH, { readsBody: false, handle: gettoken }],
  ['/cgi-bin/auth/getuserinfo', { readsBody: false, handle: authGetuserinfo }],
  ['/cgi-bin/user/getuserinfo', { readsBody: false, handle: userGetuserinfo }],
  ['/cgi-bin/auth/getuserdetail', { readsBody: true, handle: authGetuserdetail }],
  ['/cgi-bin/user/getuserdetail', { readsBody: true, handle: userGetuserdetail }],
  ['/cgi-bin/user/get', { readsBody: false, handle: userGet }],
]);

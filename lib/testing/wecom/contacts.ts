/**
 * `GET /cgi-bin/user/get?access_token&userid` (wecom-protocol.md §3.4, §7): case-insensitive userid,
 * only members in the token agent's visible range, and the 2022-06-20 field stripping.
 */
import { checkToken, isReply } from './access.js';
import { wecomError, wecomOk, type WeComReply } from './envelope.js';
import { basicFields, sensitiveFields } from './profile.js';
import type { WeComApiRequest } from './request.js';
import type { WeComState } from './state.js';

/** Apps created on or after 2022-06-20 no longer get these; name, department and position stay (§3.4). */
const STRIPPED: ReadonlySet<string> = new Set([
  'avatar',
  'thumb_avatar',
  'gender',
  'mobile',
  'email',
  'biz_mail',
  'qr_code',
  'address',
]);

export function userGet(w: WeComState, r: WeComApiRequest): WeComReply {
  const app = checkToken(w, r);
  if (isReply(app)) return app;
  const userid = r.query.get('userid');
  if (!userid) return wecomError(41009, r.ip);
  const wanted = userid.toLowerCase();
  // Linked-corp ids and openids are not this corp's contacts: 60111 (the login must survive it, §3.4).
  const user = w.users.find((u) => u.kind === 'member' && u.userid?.toLowerCase() === wanted);
  if (!user) return wecomError(60111, r.ip);
  if (!app.visible.has(wanted)) return wecomError(60011, r.ip);
  const sensitive = Object.fromEntries(sensitiveFields(user, r.baseURL));
  // Field order of DW/96255; the userid comes back in its stored case.
  const all: Record<string, unknown> = {
    userid: user.userid,
    ...basicFields(user),
    mobile: sensitive.mobile,
    gender: sensitive.gender,
    email: sensitive.email,
    biz_mail: sensitive.biz_mail,
    avatar: sensitive.avatar,
    thumb_avatar: sensitive.avatar,
    address: sensitive.address,
    main_department: user.department?.[0],
    status: 1,
    qr_code: sensitive.qr_code,
  };
  const body: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(all))
    if (v !== undefined && !(app.createdAfter20220620 && STRIPPED.has(k))) body[k] = v;
  return wecomOk(body);
}

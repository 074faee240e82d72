/**
 * A WeCom identity's fields as the detail APIs spell them (wecom-protocol.md §3.3, §3.4).
 */
import type { MockWeComSensitiveField, MockWeComUser } from '../types.js';

/** The sensitive fields of `user` that exist, in the official example's order (§3.3). */
export function sensitiveFields(user: MockWeComUser, baseURL: string): Array<[MockWeComSensitiveField, string]> {
  const vcode = Buffer.from(`${user.key}`).toString('hex');
  const all: Array<[MockWeComSensitiveField, string | undefined]> = [
    ['gender', user.gender ?? '0'],
    ['avatar', user.avatar ?? `${baseURL}/avatar/wecom-${user.key}.svg`],
    ['qr_code', `https://open.work.weixin.qq.com/wwopen/userQRCode?vcode=vc${vcode}`],
    ['mobile', user.mobile],
    ['email', user.email],
    ['biz_mail', user.bizMail],
    ['address', user.address],
  ];
  return all.filter((f): f is [MockWeComSensitiveField, string] => f[1] !== undefined);
}

/** name, department and position: what the 2022-06-20 rule leaves in `user/get` (§3.4). */
export function basicFields(user: MockWeComUser): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (user.name !== undefined) out.name = user.name;
  if (user.department !== undefined) out.department = [...user.department];
  if (user.position !== undefined) out.position = user.position;
  return out;
}

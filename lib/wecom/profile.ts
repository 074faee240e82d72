import { profileID, type WeComIdentity } from './identity.js';
import type { WeComClient, WeComProfile } from './types.js';

/** The identity part of every WeCom profile. */
export function identityProfile(corpID: string, client: WeComClient, identity: WeComIdentity): WeComProfile {
  const profile: WeComProfile = {
    provider: 'wecom',
    id: profileID(corpID, identity),
    corpID,
    kind: identity.kind,
    client,
    _json: { identity: identity.json },
  };
  if (identity.userID) profile.userID = identity.userID;
  if (identity.openid) profile.openid = identity.openid;
  if (identity.externalUserID) profile.externalUserID = identity.externalUserID;
  return profile;
}

/** `user/get`: name, department, position (kept for apps created after 2022-06-20, wecom-protocol.md §3.4). */
export function addMemberDetail(profile: WeComProfile, member: Record<string, unknown>): void {
  profile._json.member = member;
  const name = text(member.name);
  if (name) profile.displayName = name;
  if (Array.isArray(member.department)) {
    profile.department = member.department.filter((d): d is number => typeof d === 'number');
  }
  const position = text(member.position);
  if (position) profile.position = position;
}

/**
 * `auth/getuserdetail`: only what the admin enabled and the member consented
 * to; each field may be absent (§3.3). `gender` is a string there ('1', '2';
 * '0' means unset). There is no name in it.
 */
export function addSensitiveDetail(profile: WeComProfile, detail: Record<string, unknown>): void {
  const { errcode: _c, errmsg: _m, ...fields } = detail;
  profile._json.detail = fields;
  const emails: NonNullable<WeComProfile['emails']> = [];
  const email = text(fields.email);
  if (email) emails.push({ value: email, type: 'work' });
  const bizMail = text(fields.biz_mail);
  if (bizMail) emails.push({ value: bizMail, type: 'biz' });
  if (emails.length > 0) profile.emails = emails;
  const avatar = text(fields.avatar);
  if (avatar) profile.photos = [{ value: avatar }];
  if (fields.gender === '1') profile.gender = 'male';
  else if (fields.gender === '2') profile.gender = 'female';
  const mobile = text(fields.mobile);
  if (mobile) profile.phoneNumbers = [{ value: mobile }];
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

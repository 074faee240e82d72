import type { WeComUserKind } from './types.js';

/** Who `auth/getuserinfo` (or the old `user/getuserinfo`) says logged in. */
export interface WeComIdentity {
  kind: WeComUserKind;
  userID?: string;
  openid?: string;
  externalUserID?: string;
  /** Only for members with `snsapi_privateinfo` (1800 s). Never leaves the server, never in a profile. */
  userTicket?: string;
  /** The answer without the `user_ticket` and the envelope. */
  json: Record<string, unknown>;
}

/**
 * Reads an identity answer in either casing: the current `auth/getuserinfo`
 * sends `userid`/`openid`; the old `user/getuserinfo` — still live, and
 * still what some in-client logins get — sends `UserId`/`OpenId`
 * (wecom-protocol.md §3.1–3.2). A linked-corp member's userid is
 * `CorpId/userid` (§3.1). `undefined` when the answer names nobody.
 */
export function parseIdentity(body: Record<string, unknown>): WeComIdentity | undefined {
  const userID = text(body.userid) ?? text(body.UserId);
  const openid = text(body.openid) ?? text(body.OpenId);
  const json: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key !== 'user_ticket' && key !== 'errcode' && key !== 'errmsg') json[key] = value;
  }
  if (userID) {
    const identity: WeComIdentity = { kind: userID.includes('/') ? 'linked' : 'member', userID, json };
    const ticket = text(body.user_ticket);
    if (ticket) identity.userTicket = ticket;
    return identity;
  }
  if (openid) {
    const identity: WeComIdentity = { kind: 'guest', openid, json };
    const external = text(body.external_userid);
    if (external) identity.externalUserID = external;
    return identity;
  }
  return undefined;
}

/** The profile's stable key (§4): a member's userid lower-cased under the corp (userids are case-insensitive). */
export function profileID(corpID: string, identity: WeComIdentity): string {
  if (identity.kind === 'member') return `${corpID}/${(identity.userID as string).toLowerCase()}`;
  if (identity.kind === 'linked') return identity.userID as string;
  return `${corpID}:openid:${identity.openid as string}`;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

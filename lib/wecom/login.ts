import type { AccessTokenManager } from '../tokens/manager.js';
import { WeChatAPIError } from '../transport/errors.js';
import type { WeChatHttpClient } from '../transport/http.js';
import { WeComAPIError } from './errors.js';
import { parseIdentity } from './identity.js';
import { addMemberDetail, addSensitiveDetail, identityProfile } from './profile.js';
import type { WeComClient, WeComFailureInfo, WeComProfile, WeComProfileLevel } from './types.js';

const GETUSERINFO_PATH = '/cgi-bin/auth/getuserinfo';
const USER_GET_PATH = '/cgi-bin/user/get';
const GETUSERDETAIL_PATH = '/cgi-bin/auth/getuserdetail';

/** Outside the app's visible range (可见范围): the user's to take up with the admin, not a server error. */
const OUT_OF_SCOPE = new Set([60011, 50002]);

/** What a WeCom code redemption needs besides the code. */
export interface WeComRedeemContext {
  http: WeChatHttpClient;
  accessTokens: AccessTokenManager;
  corpID: string;
  members: 'only' | 'all';
  profile: WeComProfileLevel;
}

export type WeComRedeemResult = { profile: WeComProfile } | { failure: WeComFailureInfo; status: number };

/**
 * Redeems a WeCom login code: the identity (one call), then what `profile`
 * asks for. A guest under `members: 'only'` fails before any further call.
 * Every call goes through the token manager, so a stale corp token
 * (40014/42001) is invalidated, fetched again once and the call retried once.
 */
export async function redeemWeComCode(
  context: WeComRedeemContext,
  code: string,
  client: WeComClient,
  callbackHost: string,
): Promise<WeComRedeemResult> {
  const call = <T extends object>(path: string, send: (token: string) => Promise<{ json: T }>): Promise<T> =>
    context.accessTokens
      .withAccessToken(send)
      .then(({ json }) => json)
      .catch((err: unknown) => {
        throw explain(err, path, callbackHost);
      });
  let answer: Record<string, unknown>;
  try {
    answer = await call(GETUSERINFO_PATH, (token) =>
      context.http.get<Record<string, unknown>>(GETUSERINFO_PATH, { access_token: token, code }, { redeemsCode: true }),
    );
  } catch (err) {
    const failure = scopeFailure(err);
    if (failure) return failure;
    throw err;
  }
  const identity = parseIdentity(answer);
  if (!identity) throw new WeComAPIError(-1, 'the identity answer names no userid or openid', GETUSERINFO_PATH);
  if (identity.kind === 'guest' && context.members === 'only') {
    return {
      failure: { message: 'not_member', detail: 'The user is not a member of this WeCom corp.' },
      status: 403,
    };
  }
  const profile = identityProfile(context.corpID, client, identity);
  // Linked-corp members are not in this corp's contacts; guests have no userid to look up (§5: user/get(openid) is 60111).
  if (context.profile === 'ids' || identity.kind !== 'member') return { profile };
  try {
    const member = await call(USER_GET_PATH, (token) =>
      context.http.get<Record<string, unknown>>(USER_GET_PATH, {
        access_token: token,
        userid: identity.userID as string,
      }),
    );
    addMemberDetail(profile, member);
    if (context.profile === 'sensitive' && identity.userTicket) {
      const ticket = identity.userTicket;
      const detail = await call(GETUSERDETAIL_PATH, (token) =>
        context.http.post<Record<string, unknown>>(
          GETUSERDETAIL_PATH,
          { access_token: token },
          { user_ticket: ticket },
        ),
      );
      addSensitiveDetail(profile, detail);
    }
  } catch (err) {
    const failure = scopeFailure(err);
    if (failure) return failure;
    throw err;
  }
  return { profile };
}

function scopeFailure(err: unknown): { failure: WeComFailureInfo; status: number } | undefined {
  if (err instanceof WeChatAPIError && OUT_OF_SCOPE.has(err.errcode)) {
    return {
      failure: {
        message: 'not_in_app_scope',
        errcode: err.errcode,
        detail: "The user is outside this WeCom app's visible range (可见范围).",
      },
      status: 403,
    };
  }
  return undefined;
}

/** The configuration errors name what to fix with this login's facts: the callback host (50001), WeCom's view of our IP (60020). */
function explain(err: unknown, path: string, callbackHost: string): unknown {
  if (!(err instanceof WeComAPIError)) return err;
  if (err.errcode === 50001) return new WeComAPIError(50001, err.errmsg, path, `the callback host is ${callbackHost}`);
  if (err.errcode === 60020) {
    return new WeComAPIError(
      60020,
      err.errmsg,
      path,
      `WeCom saw the call from ${err.fromIP ?? 'an IP it did not name'}`,
    );
  }
  return err;
}

/**
 * The WeCom test hooks shared by `MockWeChat` methods, the control API and the CLI (wecom-protocol.md
 * §7 "Test-only endpoints"). Argument checks throw TypeError, which the control API answers with 400.
 */
import type { MockWeComAgent, MockWeComApp, MockWeComAppPatch, MockWeComCodeOptions, MockWeComURLs } from '../types.js';
import { mintWeComCode, WECOM_LOGIN_PATH, WECOM_QRCONNECT_PATH } from './authorize.js';
import { hostOf } from './domains.js';
import { applyPatch } from './fixture.js';
import type { WeComState } from './state.js';

export const WECOM_AGENTS: readonly MockWeComAgent[] = ['wecom', 'wecomOther'];
const DEFAULT_CALLBACK = 'http://localhost:3000/auth/wecom/callback';

export function isAgent(v: unknown): v is MockWeComAgent {
  return v === 'wecom' || v === 'wecomOther';
}

function requireAgent(v: unknown, helper: string): MockWeComAgent {
  if (!isAgent(v)) throw new TypeError(`${helper}: agent must be 'wecom' or 'wecomOther'`);
  return v;
}

export function wecomURLs(baseURL: string): MockWeComURLs {
  return Object.freeze({
    authorizationURL: `${baseURL}/connect/oauth2/authorize`,
    loginURL: baseURL + WECOM_LOGIN_PATH,
    qrConnectURL: baseURL + WECOM_QRCONNECT_PATH,
    apiBaseURL: baseURL,
  });
}

export function wecomApp(w: WeComState, agent: MockWeComAgent): MockWeComApp {
  const a = w.apps[agent];
  return Object.freeze({ corpID: a.corpID, agentID: a.agentID, agentSecret: a.agentSecret });
}

export function setWeComAutoConsent(w: WeComState, v: { user: string; decision: 'allow' | 'deny' } | null): void {
  if (v !== null) {
    if (!w.usersByKey.has(v.user))
      throw new TypeError(`setWeComAutoConsent: unknown WeCom user ${JSON.stringify(v.user)}`);
    if (v.decision !== 'allow' && v.decision !== 'deny')
      throw new TypeError('setWeComAutoConsent: decision must be allow or deny');
  }
  w.autoConsent = v === null ? null : { user: v.user, decision: v.decision };
}

export function configureWeCom(w: WeComState, agent: unknown, patch: MockWeComAppPatch): void {
  applyPatch(w.apps[requireAgent(agent, 'configureWeCom')], patch);
}

/** Both agents unless one is named. */
export function invalidateWeComTokens(w: WeComState, how: 'expire' | 'revoke', agent?: unknown): void {
  w.invalidateTokens(how, agent === undefined ? WECOM_AGENTS : [requireAgent(agent, `${how}WeComTokens`)]);
}

export function wecomCodeFor(w: WeComState, userKey: string, opts: MockWeComCodeOptions = {}): string {
  const user = w.usersByKey.get(userKey);
  if (!user) throw new TypeError(`wecomCode: unknown WeCom user ${JSON.stringify(userKey)}`);
  const scope = opts.scope ?? 'snsapi_base';
  if (scope !== 'snsapi_base' && scope !== 'snsapi_privateinfo' && scope !== 'wwlogin')
    throw new TypeError('wecomCode: scope must be snsapi_base, snsapi_privateinfo or wwlogin');
  const host = hostOf(opts.redirectURI ?? DEFAULT_CALLBACK);
  if (host === undefined) throw new TypeError('wecomCode: redirectURI must be an absolute URL');
  return mintWeComCode(w, user, scope, w.apps[requireAgent(opts.agent ?? 'wecom', 'wecomCode')], host);
}

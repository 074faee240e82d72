/**
 * The WeCom part of the control API (`/__mock/wecom/*`, README "WeCom"), for test suites and scripts
 * in other processes. Parameters arrive as JSON or as query strings, so lists may also be
 * comma-separated strings and booleans `'true'`/`'false'`.
 */
import type { EmulatorContext } from '../context.js';
import type { MockWeComAppPatch, MockWeComCodeOptions, MockWeComSensitiveField } from '../types.js';
import {
  configureWeCom,
  invalidateWeComTokens,
  setWeComAutoConsent,
  WECOM_AGENTS,
  wecomCodeFor,
  wecomURLs,
} from './facade.js';
import type { WeComState } from './state.js';

type Params = Record<string, unknown>;
/** Throws TypeError for bad parameters, which the control API answers with 400. */
type Action = (ctx: EmulatorContext, p: Params) => object;

const ok = { ok: true } as const;

function list(v: unknown, name: string): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v === '' ? [] : v.split(',').map((s) => s.trim());
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  throw new TypeError(`${name} must be a list of strings`);
}

function bool(v: unknown, name: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === true || v === 'true' || v === '1') return true;
  if (v === false || v === 'false' || v === '0') return false;
  throw new TypeError(`${name} must be true or false`);
}

function optionalText(v: unknown, name: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new TypeError(`need ${name} as a string`);
  return v;
}

function patchOf(p: Params): MockWeComAppPatch {
  const patch: MockWeComAppPatch = {};
  const domains = list(p.domains, 'domains');
  const trustedIPs = list(p.trustedIPs, 'trustedIPs');
  const sensitiveFields = list(p.sensitiveFields, 'sensitiveFields');
  const visibleUserIDs = list(p.visibleUserIDs, 'visibleUserIDs');
  const createdAfter20220620 = bool(p.createdAfter20220620, 'createdAfter20220620');
  const enabled = bool(p.enabled, 'enabled');
  if (domains) patch.domains = domains;
  if (trustedIPs) patch.trustedIPs = trustedIPs;
  if (sensitiveFields) patch.sensitiveFields = sensitiveFields as MockWeComSensitiveField[];
  if (visibleUserIDs) patch.visibleUserIDs = visibleUserIDs;
  if (createdAfter20220620 !== undefined) patch.createdAfter20220620 = createdAfter20220620;
  if (enabled !== undefined) patch.enabled = enabled;
  return patch;
}

/** What `GET /__mock/apps` says about the corp: credentials, settings, URLs and identities. */
export function wecomDescription(w: WeComState, baseURL: string): object {
  return {
    corpID: w.corpID,
    apps: Object.fromEntries(
      WECOM_AGENTS.map((agent) => {
        const a = w.apps[agent];
        return [
          agent,
          {
            corpID: a.corpID,
            agentID: a.agentID,
            agentSecret: a.agentSecret,
            domains: a.domains,
            trustedIPs: a.trustedIPs,
            createdAfter20220620: a.createdAfter20220620,
            sensitiveFields: a.sensitiveFields,
            visibleUserIDs: [...a.visible],
            enabled: a.enabled,
          },
        ];
      }),
    ),
    urls: wecomURLs(baseURL),
    users: w.users.map((u) => ({
      key: u.key,
      kind: u.kind,
      userid: u.userid,
      openid: u.openid,
      externalUserID: u.externalUserID,
      name: u.name,
    })),
  };
}

export const WECOM_CONTROL_ROUTES: ReadonlyArray<readonly [string, Action]> = [
  [
    '/__mock/wecom/auto-consent',
    (ctx, p) => {
      // No user clears it, like /__mock/auto-consent.
      if (p.user === undefined || p.user === '' || p.user === null) return (setWeComAutoConsent(ctx.wecom, null), ok);
      const decision = p.decision ?? 'allow';
      if (decision !== 'allow' && decision !== 'deny') throw new TypeError('decision must be allow or deny');
      setWeComAutoConsent(ctx.wecom, { user: optionalText(p.user, 'user') as string, decision });
      return ok;
    },
  ],
  ['/__mock/wecom/config', (ctx, p) => (configureWeCom(ctx.wecom, p.agent, patchOf(p)), ok)],
  [
    '/__mock/wecom/tokens',
    (ctx, p) => {
      if (p.action !== 'expire' && p.action !== 'revoke') throw new TypeError('action must be expire or revoke');
      invalidateWeComTokens(ctx.wecom, p.action, p.agent);
      return ok;
    },
  ],
  [
    '/__mock/wecom/code',
    (ctx, p) => ({
      code: wecomCodeFor(ctx.wecom, optionalText(p.user, 'user') ?? '', {
        agent: p.agent as MockWeComCodeOptions['agent'],
        scope: p.scope as MockWeComCodeOptions['scope'],
        redirectURI: optionalText(p.redirectURI, 'redirectURI'),
      }),
    }),
  ],
];

import type { AxiosInstance } from 'axios';
import { WeChatConfigError } from '../transport/errors.js';
import { WECOM_API_BASE_URL } from './access-token.js';
import { DEFAULT_WECOM_AUTHORIZATION_URL, DEFAULT_WECOM_LOGIN_URL } from './authorize-url.js';
import type { WeComClientOption, WeComProfileLevel, WeComScope, WeComStrategyOptionsBase } from './types.js';

/** A WeComStrategy's settings, resolved against the environment. The secret is not here: only its token manager holds it. */
export interface WeComConfig {
  corpID: string;
  agentID: string | undefined;
  callbackURL: string | undefined;
  scope: WeComScope;
  client: WeComClientOption;
  members: 'only' | 'all';
  profile: WeComProfileLevel;
  loginType: 'CorpApp';
  lang: 'zh' | 'en' | undefined;
  apiBaseURL: string;
  authorizationURL: string;
  loginURL: string;
  timeout: number | undefined;
  httpClient: AxiosInstance | undefined;
}

/** Options first, then `WECOM_*` environment variables; a missing or contradictory setting is an error here, not at login. */
export function resolveWeComConfig(options: WeComStrategyOptionsBase): WeComConfig & { agentSecret: string } {
  const env = process.env;
  const corpID = options.corpID ?? env.WECOM_CORP_ID;
  const agentSecret = options.agentSecret ?? env.WECOM_AGENT_SECRET;
  const agentID = options.agentID ?? env.WECOM_AGENT_ID;
  if (!corpID) throw new TypeError('WeComStrategy requires options.corpID (or the WECOM_CORP_ID environment variable)');
  if (!agentSecret && !options.accessTokens) {
    throw new TypeError(
      'WeComStrategy requires options.agentSecret (or the WECOM_AGENT_SECRET environment variable), or options.accessTokens',
    );
  }
  const scope = options.scope ?? 'snsapi_base';
  const client = options.client ?? 'auto';
  const members = options.members ?? 'only';
  const profile = options.profile ?? 'ids';
  oneOf('scope', scope, ['snsapi_base', 'snsapi_privateinfo']);
  oneOf('client', client, ['auto', 'wecom', 'web']);
  oneOf('members', members, ['only', 'all']);
  oneOf('profile', profile, ['ids', 'member', 'sensitive']);
  oneOf('loginType', options.loginType ?? 'CorpApp', ['CorpApp']);
  // privateinfo without agentid: an error page, or a silent downgrade to base (wecom-protocol.md §1.1 ⚠️).
  if (scope === 'snsapi_privateinfo' && !agentID) {
    throw new WeChatConfigError('WeComStrategy: scope snsapi_privateinfo requires agentID (WECOM_AGENT_ID).');
  }
  // The browser login requires agentid for CorpApp (§1.3).
  if (client !== 'wecom' && !agentID) {
    throw new WeChatConfigError(
      `WeComStrategy: client '${client}' can use the browser login, which requires agentID (WECOM_AGENT_ID); set it, or use client 'wecom'.`,
    );
  }
  return {
    corpID,
    agentID,
    agentSecret: agentSecret ?? '',
    callbackURL: options.callbackURL ?? env.WECOM_CALLBACK_URL,
    scope,
    client,
    members,
    profile,
    loginType: 'CorpApp',
    lang: options.lang,
    apiBaseURL: options.apiBaseURL ?? env.WECOM_API_BASE_URL ?? WECOM_API_BASE_URL,
    authorizationURL: options.authorizationURL ?? env.WECOM_AUTHORIZATION_URL ?? DEFAULT_WECOM_AUTHORIZATION_URL,
    loginURL: options.loginURL ?? env.WECOM_LOGIN_URL ?? DEFAULT_WECOM_LOGIN_URL,
    timeout: options.timeout,
    httpClient: options.httpClient,
  };
}

function oneOf(name: string, value: unknown, allowed: readonly string[]): void {
  if (!allowed.includes(value as string)) {
    throw new TypeError(
      `WeComStrategy: ${name} must be ${allowed.map((a) => `'${a}'`).join(' or ')}, not ${JSON.stringify(value)}`,
    );
  }
}

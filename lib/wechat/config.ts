/**
 * How a WeChatStrategy is configured: the constructor forms it accepts, and
 * its options resolved against the environment (credentials, scopes, URLs,
 * the HTTP client), so the strategy itself is only the login flow.
 */
import { WeChatHttpClient } from '../transport/http.js';
import { constructorArguments as sharedConstructorArguments } from '../shared/constructor-arguments.js';
import { TOKEN_PATH, WeChatOAuth2 } from '../sns/oauth2.js';
import type { WeChatClient, WeChatClientOption, WeChatScope } from '../sns/types.js';
import type {
  VerifyFunction,
  VerifyFunctionWithParams,
  VerifyFunctionWithRequest,
  VerifyFunctionWithRequestAndParams,
  WeChatStrategyOptionsBase,
} from './types.js';

export const DEFAULT_AUTHORIZATION_URL = 'https://open.weixin.qq.com/connect/oauth2/authorize';
export const DEFAULT_QRCONNECT_URL = 'https://open.weixin.qq.com/connect/qrconnect';

/** Scopes each surface can ask for (wechat-protocol.md §1.1, §1.4). */
export const SCOPES: Readonly<Record<WeChatClient, readonly WeChatScope[]>> = {
  mp: ['snsapi_base', 'snsapi_userinfo'],
  web: ['snsapi_login'],
};
export const DEFAULT_SCOPE: Readonly<Record<WeChatClient, WeChatScope>> = {
  mp: 'snsapi_userinfo',
  web: 'snsapi_login',
};

/** Any of the four passport-oauth2 verify forms. */
export type AnyVerify =
  VerifyFunction | VerifyFunctionWithParams | VerifyFunctionWithRequest | VerifyFunctionWithRequestAndParams;

export interface Credentials {
  appID: string;
  appSecret: string;
}

export interface ResolvedConfig {
  client: WeChatClientOption;
  primaryClient: WeChatClient;
  credentials: Partial<Record<WeChatClient, Credentials>>;
  authorizeURL: Record<WeChatClient, string>;
  scopes: Record<WeChatClient, WeChatScope[]>;
  callbackURL?: string;
  http: WeChatHttpClient;
}

export type ConstructorOptions = WeChatStrategyOptionsBase & { passReqToCallback?: boolean | undefined };

/** `()`, `(verify)`, `(options)` and `(options, verify)`: see the shared constructorArguments. */
export function constructorArguments(
  first: unknown,
  second: unknown,
): { options: ConstructorOptions; verify?: AnyVerify } {
  return sharedConstructorArguments('WeChatStrategy', '{ appID, appSecret, callbackURL }', first, second);
}

/** Options, then environment variables; missing credentials are a TypeError naming both. */
export function resolveConfig(options: WeChatStrategyOptionsBase): ResolvedConfig {
  const env = process.env;
  const client = options.client ?? 'mp';
  if (!['mp', 'web', 'auto'].includes(client)) {
    throw new TypeError(`WeChatStrategy: client must be 'mp', 'web' or 'auto', not ${JSON.stringify(client)}`);
  }
  const top = { appID: options.appID ?? env.WECHAT_APP_ID, appSecret: options.appSecret ?? env.WECHAT_APP_SECRET };
  // Per field, like the top level: `appID: process.env.X` that is unset still falls back to env.
  const webOption = {
    appID: options.web?.appID ?? env.WECHAT_WEB_APP_ID,
    appSecret: options.web?.appSecret ?? env.WECHAT_WEB_APP_SECRET,
  };
  // With client 'web' alone, top-level credentials may be the website app's.
  const web = webOption.appID || client !== 'web' ? webOption : top;
  const credentials: Partial<Record<WeChatClient, Credentials>> = {};
  const mp = client === 'web' ? undefined : top;
  if (mp?.appID || mp?.appSecret || client === 'mp')
    credentials.mp = requireCredentials(mp ?? {}, 'appID', 'appSecret', 'WECHAT_APP_ID', 'WECHAT_APP_SECRET');
  if (web.appID || web.appSecret || client === 'web')
    credentials.web = requireCredentials(
      web,
      'web.appID',
      'web.appSecret',
      'WECHAT_WEB_APP_ID',
      'WECHAT_WEB_APP_SECRET',
    );
  if (!credentials.mp && !credentials.web) {
    throw new TypeError(
      'WeChatStrategy requires credentials: options.appID and options.appSecret (or WECHAT_APP_ID / WECHAT_APP_SECRET), and for website QR login options.web.appID and options.web.appSecret (or WECHAT_WEB_APP_ID / WECHAT_WEB_APP_SECRET)',
    );
  }
  const configured = [options.scope ?? []].flat() as WeChatScope[];
  const scopes: Record<WeChatClient, WeChatScope[]> = {
    mp: configured.filter((s) => SCOPES.mp.includes(s)),
    web: options.web?.scope ? [options.web.scope] : configured.filter((s) => SCOPES.web.includes(s)),
  };
  for (const c of ['mp', 'web'] as const) if (scopes[c].length === 0) scopes[c] = [DEFAULT_SCOPE[c]];
  const unknown = configured.filter((s) => !SCOPES.mp.includes(s) && !SCOPES.web.includes(s));
  if (unknown.length > 0)
    throw new TypeError(
      `WeChatStrategy: unknown scope ${JSON.stringify(unknown[0])} (use snsapi_base, snsapi_userinfo or snsapi_login)`,
    );
  return {
    client,
    primaryClient: credentials.mp && client !== 'web' ? 'mp' : 'web',
    credentials,
    // The URL variables let an env-only setup (NestJS `super()`) point at an emulator such as `wechat-mock`.
    authorizeURL: {
      mp: options.authorizationURL ?? (env.WECHAT_AUTHORIZATION_URL || DEFAULT_AUTHORIZATION_URL),
      web: options.qrconnectURL ?? (env.WECHAT_QRCONNECT_URL || DEFAULT_QRCONNECT_URL),
    },
    scopes,
    callbackURL: options.callbackURL ?? env.WECHAT_CALLBACK_URL,
    http: new WeChatHttpClient({
      apiBaseURL: options.apiBaseURL ?? envList(env.WECHAT_API_BASE_URL),
      timeout: options.timeout,
      httpClient: options.httpClient,
    }),
  };
}

/** `WECHAT_API_BASE_URL`: one base, or a comma-separated failover list; unset or blank is none. */
function envList(value: string | undefined): string[] | undefined {
  const list = (value ?? '')
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0);
  return list.length > 0 ? list : undefined;
}

function requireCredentials(
  c: { appID?: string; appSecret?: string },
  idOption: string,
  secretOption: string,
  idVar: string,
  secretVar: string,
): Credentials {
  if (!c.appID)
    throw new TypeError(`WeChatStrategy requires options.${idOption} (or the ${idVar} environment variable)`);
  if (!c.appSecret)
    throw new TypeError(`WeChatStrategy requires options.${secretOption} (or the ${secretVar} environment variable)`);
  return { appID: c.appID, appSecret: c.appSecret };
}

/** One OAuth2 client per configured app (mp, web), all on the strategy's one HTTP client. */
export function oauth2Clients(config: ResolvedConfig): Partial<Record<WeChatClient, WeChatOAuth2>> {
  const clients: Partial<Record<WeChatClient, WeChatOAuth2>> = {};
  for (const client of ['mp', 'web'] as const) {
    const credentials = config.credentials[client];
    if (!credentials) continue;
    const oauth2 = new WeChatOAuth2(
      credentials.appID,
      credentials.appSecret,
      '',
      config.authorizeURL[client],
      config.http.apiBaseURLs[0] + TOKEN_PATH,
    );
    oauth2.client = client;
    oauth2.wechat = config.http;
    clients[client] = oauth2;
  }
  return clients;
}

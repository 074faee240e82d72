/**
 * Environment variables → app configuration. Pure: no I/O, no globals (the
 * random dev secret comes from an injectable function), so every mode can be
 * unit-tested. `.env.example` documents every variable read here.
 */
import { randomBytes } from 'node:crypto';

/**
 * `mock`: no WeChat account; the app starts the bundled emulator in-process.
 * `standalone-mock`: `WECHAT_MOCK_URL` points at a `wechat-mock` server shared by several instances.
 * `real`: `WECHAT_APP_ID` / `WECHAT_WEB_APP_ID` (or `WECOM_CORP_ID`) are set; real WeChat / WeCom, no emulator.
 */
export type WeChatMode = 'mock' | 'standalone-mock' | 'real';

export interface AppCredentials {
  appID: string;
  appSecret: string;
}

export interface WeChatConfig {
  /** Official Account (in-WeChat login). In `mock` mode it is filled from the emulator at startup. */
  mp?: AppCredentials;
  /** Open Platform website app (QR login). In `mock` mode it is filled from the emulator at startup. */
  web?: AppCredentials;
  /** Absolute, or relative to the request (`/auth/wechat/callback`, the default in the mock modes). */
  callbackURL: string;
  /** Emulator base URL in `standalone-mock` mode. */
  mockURL?: string;
  /** Emulator port in `mock` mode (0 = any free port). */
  mockPort: number;
  /** Endpoint overrides (`standalone-mock`); the strategy's real-WeChat defaults otherwise. */
  authorizationURL?: string;
  qrconnectURL?: string;
  apiBaseURL?: readonly string[];
}

export interface WeComCredentials {
  corpID: string;
  agentID: string;
  agentSecret: string;
}

/** WeCom (企业微信) login of a self-built app (自建应用): in the WeCom client, or the browser login's QR page. */
export interface WeComConfig {
  /** Unset: WeCom login is disabled. In `mock` mode it is filled from the emulator at startup. */
  app?: WeComCredentials;
  /** Absolute, or relative to the request (`/auth/wecom/callback`, the default in the mock modes). */
  callbackURL: string;
  /** Endpoint overrides (`standalone-mock`); the strategy's real-WeCom defaults otherwise. */
  authorizationURL?: string;
  loginURL?: string;
  apiBaseURL?: string;
}

export type StateStoreConfig = { kind: 'session' } | { kind: 'signed'; secret: string };

export interface AppConfig {
  port: number;
  mode: WeChatMode;
  wechat: WeChatConfig;
  wecom: WeComConfig;
  session: {
    secret: string;
    /** True when SESSION_SECRET was unset and a random one was made up (dev only). */
    generatedSecret: boolean;
    /** Sessions in Redis (connect-redis) when set; in memory otherwise. */
    redisURL?: string;
    cookieName: string;
  };
  /** `TRUST_PROXY=1`: behind one reverse proxy; cookies become Secure when it says HTTPS. */
  trustProxy: boolean;
  stateStore: StateStoreConfig;
  /** Things the operator should know; printed at startup. Never contain secret values. */
  warnings: string[];
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A configuration the app cannot start with. The message names variables, never their values. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/**
 * The fixed test credentials of the emulator (`wechat-mock` CLI defaults,
 * documented in lib/testing/apps.ts `DEFAULT_APPS`). Used in
 * `standalone-mock` mode when `WECHAT_MOCK_*` credentials are not given.
 */
export const MOCK_DEFAULT_APPS: Readonly<{ mp: AppCredentials; web: AppCredentials }> = Object.freeze({
  mp: Object.freeze({ appID: 'wxmock00000000mp01', appSecret: '6d6f636b2d6d702d7365637265743031' }),
  web: Object.freeze({ appID: 'wxmock0000000web01', appSecret: '6d6f636b2d7765622d73656372657431' }),
});

/** The emulator's fixed WeCom corp and main app (lib/testing/wecom/fixture.ts), for `standalone-mock` mode. */
export const MOCK_DEFAULT_WECOM: Readonly<WeComCredentials> = Object.freeze({
  corpID: 'ww6d6f636b636f7270',
  agentID: '1000002',
  agentSecret: 'AXO_Qq8-02od4LtxNycqn-6FBu3VRTZvh5u7-QVM_bM',
});

export const DEFAULT_PORT = 3000;
export const CALLBACK_PATH = '/auth/wechat/callback';
export const WECOM_CALLBACK_PATH = '/auth/wecom/callback';

export interface LoadConfigOptions {
  /** Source of the random development session secret. */
  randomSecret?: () => string;
}

/** Unset and empty (`WECHAT_APP_ID=` in a .env file) both mean "not set". */
function read(env: Env, name: string): string | undefined {
  const value = env[name]?.trim();
  return value ? value : undefined;
}

function parsePort(raw: string | undefined, name: string, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65535) throw new ConfigError(`${name} must be a port number (0-65535)`);
  return port;
}

function parseBool(raw: string | undefined, name: string): boolean {
  if (raw === undefined) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be 1 or 0`);
}

function httpURL(raw: string, name: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(`${name} must be an absolute http(s) URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new ConfigError(`${name} must be an absolute http(s) URL`);
  return url;
}

/** A credential pair from two variables: both or neither. */
function credentials(env: Env, idVar: string, secretVar: string): AppCredentials | undefined {
  const appID = read(env, idVar);
  const appSecret = read(env, secretVar);
  if (!appID && !appSecret) return undefined;
  if (!appID) throw new ConfigError(`${secretVar} is set but ${idVar} is not`);
  if (!appSecret) throw new ConfigError(`${idVar} is set but ${secretVar} is not`);
  return { appID, appSecret };
}

/** WECOM_CORP_ID, WECOM_AGENT_ID and WECOM_AGENT_SECRET: all three or none. */
function weComCredentials(env: Env): WeComCredentials | undefined {
  const names = ['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_AGENT_SECRET'] as const;
  const [corpID, agentID, agentSecret] = names.map((name) => read(env, name));
  if (!corpID && !agentID && !agentSecret) return undefined;
  const missing = names.filter((name) => !read(env, name));
  if (missing.length > 0) {
    const set = names.filter((name) => read(env, name));
    throw new ConfigError(`${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set but ${missing.join(' and ')} not`);
  }
  if (!/^\d+$/.test(agentID as string)) throw new ConfigError("WECOM_AGENT_ID must be the app's numeric AgentId");
  return { corpID: corpID as string, agentID: agentID as string, agentSecret: agentSecret as string };
}

function weComCallbackFrom(env: Env, required: boolean): string {
  const raw = read(env, 'WECOM_CALLBACK_URL');
  if (!raw) {
    if (required)
      throw new ConfigError(
        `WECOM_CALLBACK_URL is required with real WeCom credentials (e.g. https://your.domain${WECOM_CALLBACK_PATH}); its host must be the app's 可信域名`,
      );
    return WECOM_CALLBACK_PATH;
  }
  if (raw.startsWith('/')) {
    if (required)
      throw new ConfigError('WECOM_CALLBACK_URL must be absolute with real WeCom (WeCom checks its domain)');
    return raw;
  }
  httpURL(raw, 'WECOM_CALLBACK_URL');
  return raw;
}

function callbackFrom(env: Env, required: boolean): string {
  const raw = read(env, 'WECHAT_CALLBACK_URL');
  if (!raw) {
    if (required)
      throw new ConfigError(
        `WECHAT_CALLBACK_URL is required with real WeChat credentials (e.g. https://your.domain${CALLBACK_PATH})`,
      );
    // Relative: the strategy resolves it against the request, so the callback
    // host always matches the host the browser used (and its session cookie).
    return CALLBACK_PATH;
  }
  if (raw.startsWith('/')) {
    if (required)
      throw new ConfigError('WECHAT_CALLBACK_URL must be absolute with real WeChat (WeChat checks its domain)');
    return raw;
  }
  httpURL(raw, 'WECHAT_CALLBACK_URL');
  return raw;
}

export function loadConfig(env: Env, options: LoadConfigOptions = {}): AppConfig {
  const warnings: string[] = [];
  const port = parsePort(read(env, 'PORT'), 'PORT', DEFAULT_PORT);
  const mp = credentials(env, 'WECHAT_APP_ID', 'WECHAT_APP_SECRET');
  const web = credentials(env, 'WECHAT_WEB_APP_ID', 'WECHAT_WEB_APP_SECRET');
  const wecomApp = weComCredentials(env);
  const mockURLRaw = read(env, 'WECHAT_MOCK_URL');

  let mode: WeChatMode;
  let wechat: WeChatConfig;
  let wecom: WeComConfig;
  if (mp || web || wecomApp) {
    mode = 'real';
    if (mockURLRaw)
      warnings.push(`WECHAT_MOCK_URL is ignored because real ${mp || web ? 'WeChat' : 'WeCom'} credentials are set.`);
    if (!mp) warnings.push('WECHAT_APP_ID is not set: in-WeChat (Official Account) login is disabled.');
    if (!web) warnings.push('WECHAT_WEB_APP_ID is not set: QR (website app) login is disabled.');
    wechat = { mp, web, callbackURL: callbackFrom(env, Boolean(mp || web)), mockPort: 0 };
    wecom = { app: wecomApp, callbackURL: weComCallbackFrom(env, Boolean(wecomApp)) };
  } else if (mockURLRaw) {
    mode = 'standalone-mock';
    const url = httpURL(mockURLRaw, 'WECHAT_MOCK_URL');
    const base = url.origin + url.pathname.replace(/\/+$/, '');
    wechat = {
      mp: credentials(env, 'WECHAT_MOCK_APP_ID', 'WECHAT_MOCK_APP_SECRET') ?? { ...MOCK_DEFAULT_APPS.mp },
      web: credentials(env, 'WECHAT_MOCK_WEB_APP_ID', 'WECHAT_MOCK_WEB_APP_SECRET') ?? { ...MOCK_DEFAULT_APPS.web },
      callbackURL: callbackFrom(env, false),
      mockURL: base,
      mockPort: 0,
      authorizationURL: `${base}/connect/oauth2/authorize`,
      qrconnectURL: `${base}/connect/qrconnect`,
      apiBaseURL: [base, `${base}/api2`],
    };
    wecom = {
      app: { ...MOCK_DEFAULT_WECOM },
      callbackURL: weComCallbackFrom(env, false),
      authorizationURL: `${base}/connect/oauth2/authorize`,
      loginURL: `${base}/wwlogin/sso/login`,
      apiBaseURL: base,
    };
  } else {
    mode = 'mock';
    wechat = {
      callbackURL: callbackFrom(env, false),
      mockPort: parsePort(read(env, 'WECHAT_MOCK_PORT'), 'WECHAT_MOCK_PORT', 0),
    };
    wecom = { callbackURL: weComCallbackFrom(env, false) };
  }

  const configuredSecret = read(env, 'SESSION_SECRET');
  const secret = configuredSecret ?? (options.randomSecret ?? (() => randomBytes(32).toString('hex')))();
  if (!configuredSecret) {
    warnings.push(
      'SESSION_SECRET is not set: using a random secret for this process (development only; sessions end on restart and cannot be shared between instances).',
    );
  } else if (configuredSecret.length < 32) {
    warnings.push('SESSION_SECRET is shorter than 32 characters; use a long random value.');
  }

  const redisRaw = read(env, 'REDIS_URL');
  if (redisRaw && !/^rediss?:\/\//i.test(redisRaw))
    throw new ConfigError('REDIS_URL must start with redis:// or rediss://');
  if (!redisRaw)
    warnings.push(
      'REDIS_URL is not set: sessions are kept in memory (MemoryStore), which is for development only and does not work with several instances.',
    );

  const storeKind = (read(env, 'STATE_STORE') ?? 'session').toLowerCase();
  let stateStore: StateStoreConfig;
  if (storeKind === 'session') stateStore = { kind: 'session' };
  else if (storeKind === 'signed') {
    const stateSecret = read(env, 'STATE_SECRET');
    if (!stateSecret && !configuredSecret)
      warnings.push(
        "STATE_STORE=signed without STATE_SECRET or SESSION_SECRET: the state secret is random, so instances cannot verify each other's logins.",
      );
    stateStore = { kind: 'signed', secret: stateSecret ?? secret };
  } else throw new ConfigError('STATE_STORE must be "session" or "signed"');

  return {
    port,
    mode,
    wechat,
    wecom,
    session: { secret, generatedSecret: !configuredSecret, redisURL: redisRaw, cookieName: 'wechat-example.sid' },
    trustProxy: parseBool(read(env, 'TRUST_PROXY'), 'TRUST_PROXY'),
    stateStore,
    warnings,
  };
}

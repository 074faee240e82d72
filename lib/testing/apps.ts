/**
 * Default emulated apps and users, and how options override them.
 */
import { createHash } from 'node:crypto';
import { derivedId } from './ids.js';
import type { MockAppOptions, MockClient, MockUser, MockUserOptions, MockWeChatOptions } from './types.js';

/** Everything the emulator knows about one app. */
export interface AppRecord {
  readonly client: MockClient;
  readonly appID: string;
  readonly appSecret: string;
  readonly domains: readonly string[];
  readonly boundToOpenPlatform: boolean;
  /** Code lifetime in ms: 5 min for Official Accounts and Mini Programs, 10 min for website and mobile apps (§2.2). */
  readonly codeTtlMs: number;
}

/**
 * Fixed, documented test credentials: 18-char appids starting with `wx` and 32-hex secrets like real
 * ones (the secrets are the hex of `mock-mp-secret01` / `mock-web-secret1` / `mock-mini-secret` / `mock-app-secret1`).
 */
export const DEFAULT_APPS = {
  mp: { appID: 'wxmock00000000mp01', appSecret: '6d6f636b2d6d702d7365637265743031' },
  web: { appID: 'wxmock0000000web01', appSecret: '6d6f636b2d7765622d73656372657431' },
  miniprogram: { appID: 'wxmock000000mini01', appSecret: '6d6f636b2d6d696e692d736563726574' },
  app: { appID: 'wxmock0000000app01', appSecret: '6d6f636b2d6170702d73656372657431' },
} as const;

export const DEFAULT_DOMAINS: readonly string[] = ['localhost', '127.0.0.1'];

export const DEFAULT_USERS: readonly MockUserOptions[] = [
  { key: 'alice', nickname: 'Alice 爱丽丝' },
  { key: 'bob', nickname: 'Bob 鲍勃' },
  { key: 'snapshot', nickname: '微信用户', snapshot: true },
];

const KEY_RE = /^[A-Za-z0-9_-]+$/;

function resolveApp(client: MockClient, o: MockAppOptions | undefined, ttlSeconds: number): AppRecord {
  return {
    client,
    appID: o?.appID ?? DEFAULT_APPS[client].appID,
    appSecret: o?.appSecret ?? DEFAULT_APPS[client].appSecret,
    domains: (o?.domains ?? DEFAULT_DOMAINS).map((d) => d.toLowerCase()),
    boundToOpenPlatform: o?.boundToOpenPlatform ?? true,
    codeTtlMs: ttlSeconds * 1000,
  };
}

export type AppRecords = { readonly [C in MockClient]: AppRecord };

export function resolveApps(options: MockWeChatOptions): AppRecords {
  const ttl = options.codeTtlSeconds;
  const apps: AppRecords = {
    mp: resolveApp('mp', options.apps?.mp, ttl?.mp ?? 300),
    web: resolveApp('web', options.apps?.web, ttl?.web ?? 600),
    // wx.login codes live 5 minutes, SendAuth codes 10 (miniprogram-protocol.md §1, §6.2).
    miniprogram: resolveApp('miniprogram', options.apps?.miniprogram, ttl?.miniprogram ?? 300),
    app: resolveApp('app', options.apps?.app, ttl?.app ?? 600),
  };
  const ids = new Set(Object.values(apps).map((a) => a.appID));
  if (ids.size !== Object.keys(apps).length)
    throw new Error('createMockWeChat: apps.mp, apps.web, apps.miniprogram and apps.app need different appIDs');
  return apps;
}

export function resolveUsers(options: MockWeChatOptions): MockUser[] {
  const users = (options.users ?? DEFAULT_USERS).map((u) => ({
    key: u.key,
    nickname: u.nickname,
    // One unionid per user for the whole emulated Open Platform account (§7).
    unionid: u.unionid ?? derivedId(`unionid:${u.key}`),
    snapshot: u.snapshot ?? false,
    phoneNumber: u.phoneNumber ?? derivedPhoneNumber(u.key),
  }));
  const seen = new Set<string>();
  for (const u of users) {
    if (!KEY_RE.test(u.key))
      throw new Error(`createMockWeChat: user key ${JSON.stringify(u.key)} must match ${KEY_RE}`);
    if (seen.has(u.key)) throw new Error(`createMockWeChat: duplicate user key ${u.key}`);
    seen.add(u.key);
  }
  if (!users.some((u) => !u.snapshot)) throw new Error('createMockWeChat: at least one non-snapshot user is required');
  return users;
}

/** openid is per app (§7): derived from appid + user key so it is stable across runs. */
export function openidFor(appID: string, userKey: string): string {
  return derivedId(`openid:${appID}:${userKey}`);
}

/** A stable mainland mobile number (`13` + 9 digits) derived from the user key. */
function derivedPhoneNumber(userKey: string): string {
  const digits =
    BigInt('0x' + createHash('sha256').update(`phone:${userKey}`).digest('hex').slice(0, 15)) % 1_000_000_000n;
  return '13' + digits.toString().padStart(9, '0');
}

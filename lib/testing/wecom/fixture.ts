/**
 * The emulated WeCom corp: its id, two self-built apps (agents) and its test identities, resolved from
 * the options (wecom-protocol.md §7 "Fixture"). Pure data, no server state.
 */
import { createHash } from 'node:crypto';
import type {
  MockWeComAgent,
  MockWeComAppOptions,
  MockWeComSensitiveField,
  MockWeComUser,
  MockWeComUserOptions,
  MockWeChatOptions,
} from '../types.js';

/** One agent and its admin-console settings (mutable: tests toggle them at run time). */
export interface WeComAppRecord {
  readonly agent: MockWeComAgent;
  readonly corpID: string;
  readonly agentID: string;
  readonly agentSecret: string;
  /** Lower-cased `host` or `host:port` entries (§1.5). */
  domains: readonly string[];
  trustedIPs: readonly string[];
  createdAfter20220620: boolean;
  sensitiveFields: readonly MockWeComSensitiveField[];
  /** Lower-cased member userids: userids are case-insensitive (§3.4). */
  visible: ReadonlySet<string>;
  enabled: boolean;
}

export type WeComApps = { readonly [A in MockWeComAgent]: WeComAppRecord };

/** `ww` + 16 hex like real corpids; the hex spells `mockcorp`. */
export const DEFAULT_CORP_ID = 'ww6d6f636b636f7270';

/** A 43-char `[A-Za-z0-9_-]` secret like WeCom's, stable per agentID. */
export function derivedSecret(agentID: string): string {
  return createHash('sha256').update(`wecom-secret:${agentID}`).digest('base64url').slice(0, 43);
}

export const DEFAULT_AGENT_IDS: { readonly [A in MockWeComAgent]: string } = {
  wecom: '1000002',
  wecomOther: '1000003',
};

export const WECOM_SENSITIVE_FIELDS: readonly MockWeComSensitiveField[] = [
  'gender',
  'avatar',
  'qr_code',
  'mobile',
  'email',
  'biz_mail',
  'address',
];

export const DEFAULT_WECOM_DOMAINS: readonly string[] = ['localhost', '127.0.0.1'];
/** The test machine is a configured trusted IP by default, so 60020 only fires when a test asks for it. */
export const DEFAULT_TRUSTED_IPS: readonly string[] = ['127.0.0.1', '::1'];

/** Members with mixed-case userids, one outside the visible range, a linked-corp member and two non-members (§4). */
export const DEFAULT_WECOM_USERS: readonly MockWeComUserOptions[] = [
  {
    key: 'zhangsan',
    kind: 'member',
    userid: 'ZhangSan',
    name: '张三',
    department: [1, 2],
    position: '产品经理',
    mobile: '13800000001',
    email: 'zhangsan@example.com',
    bizMail: 'zhangsan@mockcorp.wecom.work',
    gender: '1',
    address: '广州市海珠区新港中路',
  },
  {
    key: 'lisi',
    kind: 'member',
    userid: 'LiSi',
    name: '李四',
    department: [3],
    position: '工程师',
    mobile: '13800000002',
    email: 'lisi@example.com',
    bizMail: 'lisi@mockcorp.wecom.work',
    gender: '2',
  },
  {
    key: 'wangwu',
    kind: 'member',
    userid: 'WangWu',
    name: '王五',
    department: [4],
    position: '销售',
    mobile: '13800000003',
    email: 'wangwu@example.com',
    gender: '1',
    visible: false,
  },
  { key: 'linked', kind: 'linked', userid: 'wwa1b2c3d4e5f60718/ZhaoLiu', name: '赵六' },
  { key: 'guest', kind: 'guest', openid: 'oGuest00000000000000000000001' },
  {
    key: 'customer',
    kind: 'guest',
    openid: 'oCustomer0000000000000000001',
    externalUserID: 'wmCustomer00000000000000000000001',
  },
];

const KEY_RE = /^[A-Za-z0-9_-]+$/;

function fail(message: string): never {
  throw new Error(`createMockWeChat: ${message}`);
}

export function resolveWeComUsers(options: MockWeChatOptions): MockWeComUser[] {
  const users = (options.wecom?.users ?? DEFAULT_WECOM_USERS).map((u): MockWeComUser => ({
    ...u,
    visible: u.kind === 'member' ? (u.visible ?? true) : false,
  }));
  const keys = new Set<string>();
  for (const u of users) {
    if (!KEY_RE.test(u.key)) fail(`wecom user key ${JSON.stringify(u.key)} must match ${KEY_RE}`);
    if (keys.has(u.key)) fail(`duplicate wecom user key ${u.key}`);
    keys.add(u.key);
    if (u.kind === 'guest' ? !u.openid : !u.userid)
      fail(`wecom user ${u.key} needs ${u.kind === 'guest' ? 'openid' : 'userid'}`);
    // The `/` is what marks a linked-corp identity (§4), so members must not have one and linked ones must.
    if (u.kind === 'member' && u.userid?.includes('/'))
      fail(`wecom member ${u.key}: a userid with / is a linked-corp id`);
    if (u.kind === 'linked' && !u.userid?.includes('/'))
      fail(`wecom linked user ${u.key}: userid must be CorpId/userid`);
  }
  if (!users.some((u) => u.kind === 'member')) fail('at least one wecom member is required');
  return users;
}

/** Applies a patch to an agent's settings, normalising case the way WeCom compares them. */
export function applyPatch(app: WeComAppRecord, patch: MockWeComAppOptions): void {
  if (patch.domains !== undefined) app.domains = patch.domains.map((d) => d.toLowerCase());
  if (patch.trustedIPs !== undefined) app.trustedIPs = [...patch.trustedIPs];
  if (patch.createdAfter20220620 !== undefined) app.createdAfter20220620 = patch.createdAfter20220620;
  if (patch.sensitiveFields !== undefined) {
    for (const f of patch.sensitiveFields)
      if (!WECOM_SENSITIVE_FIELDS.includes(f)) throw new TypeError(`unknown sensitive field ${JSON.stringify(f)}`);
    app.sensitiveFields = [...patch.sensitiveFields];
  }
  if (patch.visibleUserIDs !== undefined) app.visible = new Set(patch.visibleUserIDs.map((u) => u.toLowerCase()));
  if (patch.enabled !== undefined) app.enabled = patch.enabled;
}

export function resolveWeComApps(options: MockWeChatOptions, users: readonly MockWeComUser[]): WeComApps {
  const corpID = options.wecom?.corpID ?? DEFAULT_CORP_ID;
  const defaultVisible = users.filter((u) => u.kind === 'member' && u.visible).map((u) => u.userid as string);
  const resolve = (agent: MockWeComAgent): WeComAppRecord => {
    const o = options.apps?.[agent];
    const agentID = o?.agentID ?? DEFAULT_AGENT_IDS[agent];
    if (!/^\d+$/.test(agentID)) fail(`apps.${agent}.agentID must be digits`);
    const app: WeComAppRecord = {
      agent,
      corpID,
      agentID,
      agentSecret: o?.agentSecret ?? derivedSecret(agentID),
      domains: DEFAULT_WECOM_DOMAINS,
      trustedIPs: DEFAULT_TRUSTED_IPS,
      createdAfter20220620: false,
      sensitiveFields: WECOM_SENSITIVE_FIELDS,
      visible: new Set(defaultVisible.map((u) => u.toLowerCase())),
      enabled: true,
    };
    if (o) applyPatch(app, o);
    return app;
  };
  const apps = { wecom: resolve('wecom'), wecomOther: resolve('wecomOther') };
  if (apps.wecom.agentID === apps.wecomOther.agentID) fail('apps.wecom and apps.wecomOther need different agentIDs');
  if (apps.wecom.agentSecret === apps.wecomOther.agentSecret)
    fail('apps.wecom and apps.wecomOther need different agentSecrets (WeCom has one secret per app)');
  return apps;
}

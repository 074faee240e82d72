/**
 * Everything one emulator instance remembers about its WeCom corp: settings, codes, corp tokens,
 * user tickets, pending logins and counters (wecom-protocol.md §7). Imports nothing that reads the
 * emulator context, so `context.ts` can own it without an import circle.
 */
import { randomBytes } from 'node:crypto';
import { BoundedStore, type Expiring } from '../store.js';
import type { MockWeComAgent, MockWeComUser, MockWeChatOptions } from '../types.js';
import { resolveWeComApps, resolveWeComUsers, type WeComAppRecord, type WeComApps } from './fixture.js';

export type WeComScope = 'snsapi_base' | 'snsapi_privateinfo' | 'wwlogin';

/** A single-use code, bound to corp, identity, scope, agent and redirect host (§7 "Codes"). */
export interface WeComCodeRecord extends Expiring {
  user: MockWeComUser;
  scope: WeComScope;
  /** The agent named by `agentid`; in-client snsapi_base may omit it (§1.1). */
  app: WeComAppRecord | undefined;
  /** `host[:port]` of redirect_uri, lower-cased: what 50001 compares with the token app's domains (§1.5). */
  redirectHost: string;
  used: boolean;
}

export interface WeComTokenRecord extends Expiring {
  app: WeComAppRecord;
}

/** A user_ticket: bound to the agent the member consented to (§3.3). */
export interface WeComTicketRecord extends Expiring {
  user: MockWeComUser;
  app: WeComAppRecord;
}

export type WeComSurface = 'oauth2' | 'wwlogin' | 'qrconnect';

/** A login waiting on the consent page or behind a QR code. */
export interface WeComPending extends Expiring {
  surface: WeComSurface;
  app: WeComAppRecord | undefined;
  scope: WeComScope;
  redirectURI: string;
  redirectHost: string;
  state: string;
}

export interface WeComSettings {
  codeTtlMs: number;
  tokenTtlMs: number;
  ticketTtlMs: number;
  tokenReuse: 'same' | 'rotate';
  expiredToken: 42001 | 40014;
  privateinfoWithoutAgentid: 'error' | 'downgrade';
  strictState: boolean;
  denyBehavior: 'stay' | 'redirect';
  appendAppidToQrConnectCallback: boolean;
}

/** Corp tokens: ≤512 chars `[A-Za-z0-9_-]` (§2.1); 128 here. */
function randomCorpToken(): string {
  return randomBytes(96).toString('base64url');
}

export class WeComState {
  readonly corpID: string;
  readonly apps: WeComApps;
  readonly users: readonly MockWeComUser[];
  readonly usersByKey: ReadonlyMap<string, MockWeComUser>;
  readonly settings: WeComSettings;
  /** Used codes stay until they expire; every bad code answers 40029 anyway (§3.1). */
  readonly codes: BoundedStore<WeComCodeRecord>;
  /** Expired tokens linger one lifetime so they can answer 42001 rather than 40014. */
  readonly tokens: BoundedStore<WeComTokenRecord>;
  readonly tickets: BoundedStore<WeComTicketRecord>;
  readonly pending: BoundedStore<WeComPending>;
  /** The token `gettoken` hands out per agent while it is valid (§2.2). */
  private readonly current = new Map<MockWeComAgent, string>();
  /** `gettoken` requests per agentID, so that tests can assert how often a strategy fetched (§2.3). */
  readonly gettokenCounts = new Map<string, number>();
  autoConsent: { user: string; decision: 'allow' | 'deny' } | null = null;
  /** The configured settings, restored by {@link clear} after tests changed them at run time. */
  private readonly initialApps: WeComApps;

  constructor(options: MockWeChatOptions, cap: number) {
    const o = options.wecom ?? {};
    this.users = resolveWeComUsers(options);
    this.usersByKey = new Map(this.users.map((u) => [u.key, u]));
    this.apps = resolveWeComApps(options, this.users);
    this.initialApps = resolveWeComApps(options, this.users);
    this.corpID = this.apps.wecom.corpID;
    this.settings = {
      codeTtlMs: (o.codeTtlSeconds ?? 300) * 1000,
      tokenTtlMs: (o.tokenTtlSeconds ?? 7200) * 1000,
      ticketTtlMs: (o.userTicketTtlSeconds ?? 1800) * 1000,
      tokenReuse: o.tokenReuse ?? 'same',
      expiredToken: o.expiredToken ?? 42001,
      privateinfoWithoutAgentid: o.privateinfoWithoutAgentid ?? 'error',
      strictState: o.strictState ?? true,
      denyBehavior: o.denyBehavior ?? 'stay',
      appendAppidToQrConnectCallback: o.appendAppidToQrConnectCallback ?? false,
    };
    this.codes = new BoundedStore(cap, 0);
    this.tokens = new BoundedStore(cap, this.settings.tokenTtlMs);
    this.tickets = new BoundedStore(cap, this.settings.ticketTtlMs);
    this.pending = new BoundedStore(cap, 0);
  }

  /** The first visible member: who logs in when nobody picks (silent snsapi_base). */
  get defaultUser(): MockWeComUser {
    return (
      this.users.find((u) => u.kind === 'member' && u.visible) ??
      (this.users.find((u) => u.kind === 'member') as MockWeComUser)
    );
  }

  appByAgentID(agentID: string): WeComAppRecord | undefined {
    return Object.values(this.apps).find((a) => a.agentID === agentID);
  }

  appBySecret(secret: string): WeComAppRecord | undefined {
    return Object.values(this.apps).find((a) => a.agentSecret === secret);
  }

  countGettoken(secret: string | null): void {
    const app = secret === null ? undefined : this.appBySecret(secret);
    if (app) this.gettokenCounts.set(app.agentID, (this.gettokenCounts.get(app.agentID) ?? 0) + 1);
  }

  /** The agent's valid token (`same` mode) or a fresh one; the previous token is not killed (§2.2). */
  tokenFor(app: WeComAppRecord, now: number): WeComTokenRecord & { token: string } {
    const existing = this.current.get(app.agent);
    const rec = existing === undefined ? undefined : this.tokens.get(existing, now);
    if (existing !== undefined && rec && rec.expiresAt > now && this.settings.tokenReuse === 'same')
      return { ...rec, token: existing };
    const token = randomCorpToken();
    const fresh = { app, expiresAt: now + this.settings.tokenTtlMs };
    this.tokens.set(token, fresh, now);
    this.current.set(app.agent, token);
    return { ...fresh, token };
  }

  /** Expires (42001) or forgets (40014) every token of the given agents (§2.2 "revoke early"). */
  invalidateTokens(how: 'expire' | 'revoke', agents: readonly MockWeComAgent[], now = Date.now()): void {
    const apps = new Set(agents.map((a) => this.apps[a]));
    for (const [token, rec] of this.tokens.entries()) {
      if (!apps.has(rec.app)) continue;
      if (how === 'revoke') this.tokens.delete(token);
      else if (rec.expiresAt > now) this.tokens.set(token, { ...rec, expiresAt: now - 1 }, now);
    }
    for (const a of agents) this.current.delete(a);
  }

  resetCounters(): void {
    this.gettokenCounts.clear();
  }

  clear(): void {
    this.codes.clear();
    this.tokens.clear();
    this.tickets.clear();
    this.pending.clear();
    this.current.clear();
    this.autoConsent = null;
    this.resetCounters();
    for (const agent of Object.keys(this.apps) as MockWeComAgent[])
      Object.assign(this.apps[agent], {
        ...this.initialApps[agent],
        visible: new Set(this.initialApps[agent].visible),
      });
  }
}

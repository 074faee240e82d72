/**
 * Shared mutable state of one emulator instance: configuration, issued codes/tokens and switches.
 */
import type { AppRecord, AppRecords } from './apps.js';
import type { Faults } from './faults.js';
import { MiniProgramState } from './miniprogram-state.js';
import { ServerTokenState } from './server-token-state.js';
import { BoundedStore, type Expiring } from './store.js';
import type { MockUser } from './types.js';
import type { WeComState } from './wecom/state.js';

/** Grant data an authorization code carries into its access and refresh tokens (§9): app + user + scope + snapshot flag. */
export interface Grant {
  app: AppRecord;
  user: MockUser;
  scope: string;
  /** The openid/unionid this authorization reveals — virtual for snapshot users (§3.4). */
  openid: string;
  unionid: string;
  snapshot: boolean;
}

/** A single-use authorization code and the grant it stands for. */
export interface CodeRecord extends Expiring, Grant {
  used: boolean;
}

export interface AccessRecord extends Expiring {
  grant: Grant;
}

export interface RefreshRecord extends Expiring {
  grant: Grant;
  /** The access token currently attached to this refresh token. */
  accessToken: string;
}

/** An authorize request waiting on the consent page (or behind a QR code). */
export interface PendingAuth extends Expiring {
  app: AppRecord;
  redirectURI: string;
  scope: string;
  state: string | undefined;
}

export interface ResolvedSettings {
  denyBehavior: 'redirect' | 'stay';
  strictParamOrder: boolean;
  slowMs: number;
  accessTtlMs: number;
  refreshTtlMs: number;
  snapshotUserinfo: '48001' | 'virtual';
  serverTokenTtlMs: number;
  miniProgramQuotaPerMinute: number;
}

export interface Stats {
  requests: Map<string, number>;
  connections: number;
  tlsFull: number;
  tlsResumed: number;
}

/** Cap for every store; 20k-login load tests stay far below it. */
export const STORE_CAP = 100_000;

export class EmulatorContext {
  /** Set once the server listens. */
  url = '';
  readonly appsByID: ReadonlyMap<string, AppRecord>;
  readonly usersByKey: ReadonlyMap<string, MockUser>;
  /** Used codes are remembered until they expire so that reuse answers 40163 rather than 40029. */
  readonly codes = new BoundedStore<CodeRecord>(STORE_CAP, 0);
  /** Expired tokens linger for one more lifetime so the API can answer 42001/42002. */
  readonly accessTokens: BoundedStore<AccessRecord>;
  readonly refreshTokens: BoundedStore<RefreshRecord>;
  readonly pending = new BoundedStore<PendingAuth>(STORE_CAP, 0);
  autoConsent: { user: string; decision: 'allow' | 'deny' } | null = null;
  readonly miniProgram = new MiniProgramState(STORE_CAP);
  readonly serverTokens: ServerTokenState;
  readonly stats: Stats = { requests: new Map(), connections: 0, tlsFull: 0, tlsResumed: 0 };

  constructor(
    readonly apps: AppRecords,
    readonly users: readonly MockUser[],
    readonly settings: ResolvedSettings,
    readonly faults: Faults,
    readonly tls: boolean,
    /** The WeCom corp (wecom-protocol.md §7), built by the emulator from its options. */
    readonly wecom: WeComState,
  ) {
    this.appsByID = new Map(Object.values(apps).map((app) => [app.appID, app]));
    this.usersByKey = new Map(users.map((u) => [u.key, u]));
    this.accessTokens = new BoundedStore<AccessRecord>(STORE_CAP, settings.accessTtlMs);
    this.refreshTokens = new BoundedStore<RefreshRecord>(STORE_CAP, settings.refreshTtlMs);
    this.serverTokens = new ServerTokenState(STORE_CAP, settings.serverTokenTtlMs);
  }

  /** The user chosen when nobody picks one (silent snsapi_base, missing form field): the first ordinary user. */
  get defaultUser(): MockUser {
    return this.users.find((u) => !u.snapshot) as MockUser;
  }

  resetStats(): void {
    this.stats.requests.clear();
    this.stats.connections = 0;
    this.stats.tlsFull = 0;
    this.stats.tlsResumed = 0;
    this.wecom.resetCounters();
  }

  reset(): void {
    this.codes.clear();
    this.accessTokens.clear();
    this.refreshTokens.clear();
    this.pending.clear();
    this.autoConsent = null;
    this.miniProgram.clear();
    this.serverTokens.clear();
    this.faults.clear();
    this.wecom.clear();
    this.resetStats();
  }
}

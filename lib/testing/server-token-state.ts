/**
 * Server access tokens an emulator instance holds (`/cgi-bin/token`, `/cgi-bin/stable_token`,
 * miniprogram-protocol.md §5). Kept apart from `server-tokens.ts` (which reads the context) so that
 * `context.ts` can own it without an import circle.
 */
import type { AppRecord } from './apps.js';
import { randomToken } from './ids.js';
import { BoundedStore, type Expiring } from './store.js';

export interface ServerTokenRecord extends Expiring {
  app: AppRecord;
}

export interface StableState {
  token: string;
  expiresAt: number;
  lastForceAt: number;
  forcesToday: number;
  dayStart: number;
}

export class ServerTokenState {
  /** Every live token; expired ones linger for one lifetime so the API can answer 42001. */
  readonly tokens: BoundedStore<ServerTokenRecord>;
  /** The newest `/cgi-bin/token` token per appid. */
  readonly latestPlain = new Map<string, string>();
  readonly stable = new Map<string, StableState>();

  constructor(
    cap: number,
    readonly ttlMs: number,
  ) {
    this.tokens = new BoundedStore<ServerTokenRecord>(cap, ttlMs);
  }

  issue(app: AppRecord, now: number): { token: string; expiresAt: number } {
    const token = randomToken();
    const expiresAt = now + this.ttlMs;
    this.tokens.set(token, { app, expiresAt }, now);
    return { token, expiresAt };
  }

  clear(): void {
    this.tokens.clear();
    this.latestPlain.clear();
    this.stable.clear();
  }
}

import {
  WeChatAPIError,
  WeChatLoginInterruptedError,
  WeChatStoreError,
  WeChatTransportError,
} from '../transport/errors.js';
import type { CallbackDeduplicator, CallbackOutcome, DedupeTicket } from '../coordination/dedupe.js';
import { Sealer } from '../coordination/seal.js';
import { RedisCommands, type RedisClientLike, type RedisStoreOptions } from './client.js';

export interface RedisDeduplicatorOptions extends RedisStoreOptions {
  /**
   * Encrypts what a duplicate on another instance needs to log the same user
   * in (token response and profile): at least 32 characters of randomness,
   * the same on every instance. Never the session secret.
   */
  secret: string | Buffer;
  /**
   * How long a duplicate waits for the first request's outcome, in ms
   * (default 5000); then it fails with `login_interrupted` (503).
   */
  waitMs?: number;
  /** How long a login still in flight holds its key, in ms (default 30 s: longer than any exchange with failover). */
  windowMs?: number;
  /** How long a finished login's outcome stays readable, in ms (default 10 s). */
  settledMs?: number;
  /** How often a waiting duplicate looks for the outcome, in ms (default 25). */
  pollMs?: number;
}

const PENDING = 'pending';

/**
 * A {@link CallbackDeduplicator} shared by every instance through Redis.
 *
 * The first request sets `dedupe:<key>` to `pending` with `SET NX`; a
 * duplicate on any instance finds it and polls until the first one writes its
 * outcome there (bounded by `waitMs`: a first request that never settles,
 * because its instance was killed, ends the duplicate with a
 * `WeChatLoginInterruptedError`, which the strategies turn into a
 * `login_interrupted` fail). The key is a hash of the state, the code and the
 * browser's cookie, so it names no code or cookie. What is stored:
 * - while in flight: `pending`, for at most `windowMs`;
 * - a success: the token response, profile and app state, AES-256-GCM
 *   encrypted with `secret`, for `settledMs` (10 s); the duplicate runs your
 *   verify callback again with them, so verify must be idempotent (find or
 *   create, not always create);
 * - a failure or error: its public message and errcode, for `settledMs`.
 */
export class RedisDeduplicator implements CallbackDeduplicator {
  private readonly redis: RedisCommands;
  private readonly sealer: Sealer;
  private readonly waitMs: number;
  private readonly windowMs: number;
  private readonly settledMs: number;
  private readonly pollMs: number;

  constructor(client: RedisClientLike, options: RedisDeduplicatorOptions) {
    this.redis = new RedisCommands(client, options);
    this.sealer = new Sealer(options?.secret, 'RedisDeduplicator');
    this.waitMs = options.waitMs ?? 5000;
    this.windowMs = options.windowMs ?? 30_000;
    this.settledMs = options.settledMs ?? 10_000;
    this.pollMs = options.pollMs ?? 25;
  }

  async begin(key: string): Promise<DedupeTicket> {
    const redisKey = `dedupe:${key}`;
    if (await this.redis.set(redisKey, PENDING, this.windowMs, true)) {
      return {
        role: 'leader',
        settle: (outcome, options) => {
          // A forgotten (junk) key still serves a waiting duplicate for a moment.
          const ttl = options?.remember === false ? Math.min(this.settledMs, 2000) : this.settledMs;
          this.redis.set(redisKey, this.encode(outcome), ttl, false).catch(() => undefined);
        },
      };
    }
    return { role: 'follower', outcome: this.waitFor(redisKey) };
  }

  private async waitFor(redisKey: string): Promise<CallbackOutcome> {
    const deadline = Date.now() + this.waitMs;
    for (;;) {
      // A failing or slow Redis throws WeChatStoreError from here: that stays an error.
      const value = await this.redis.get(redisKey);
      // Redis answered but holds no outcome: the first request's instance
      // stopped before it settled. Not Redis's fault, and the code is spent:
      // the user only has to log in again (the join turns this into a fail).
      if (value === undefined) {
        throw new WeChatLoginInterruptedError(
          'outcome_gone',
          'A duplicate login found no outcome of its first request in Redis (it expired unsettled: its instance stopped); please log in again.',
        );
      }
      if (value !== PENDING) return this.decode(value);
      if (Date.now() >= deadline) {
        throw new WeChatLoginInterruptedError(
          'wait_expired',
          `A duplicate login waited ${this.waitMs} ms for its first request to finish on another instance (it stopped or is stuck); please log in again.`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, this.pollMs));
    }
  }

  private encode(outcome: CallbackOutcome): string {
    if (outcome.kind === 'success')
      return 's:' + this.sealer.seal(JSON.stringify({ info: outcome.info ?? null, login: outcome.login ?? null }));
    if (outcome.kind === 'fail')
      return 'f:' + JSON.stringify({ challenge: outcome.challenge ?? null, status: outcome.status ?? null });
    return 'e:' + JSON.stringify(describeError(outcome.error));
  }

  private decode(value: string): CallbackOutcome {
    const body = value.slice(2);
    if (value.startsWith('s:')) {
      const opened = this.sealer.open(body);
      if (opened === undefined) {
        throw new WeChatStoreError(
          'redis',
          'no_outcome',
          "A duplicate callback could not open its first request's outcome: RedisDeduplicator secrets differ between instances.",
        );
      }
      const { info, login } = JSON.parse(opened) as { info: unknown; login: unknown };
      return { kind: 'success', info: info ?? undefined, login: login ?? undefined };
    }
    if (value.startsWith('f:')) {
      const { challenge, status } = JSON.parse(body) as { challenge: unknown; status: number | null };
      return { kind: 'fail', challenge, status: status ?? undefined };
    }
    return { kind: 'error', error: rebuildError(JSON.parse(body) as ErrorRecord) };
  }
}

interface ErrorRecord {
  name: string;
  message: string;
  errcode?: number;
  errmsg?: string;
  retryable?: boolean;
  endpoint?: string;
  host?: string;
  kind?: string;
}

/** Errors carry no secret (errors.ts): their public fields cross over as they are. */
function describeError(err: Error): ErrorRecord {
  const record: ErrorRecord = { name: err.name, message: err.message };
  if (err instanceof WeChatAPIError)
    Object.assign(record, {
      errcode: err.errcode,
      errmsg: err.errmsg,
      retryable: err.retryable,
      endpoint: err.endpoint,
    });
  if (err instanceof WeChatTransportError)
    Object.assign(record, { endpoint: err.endpoint, host: err.host, kind: err.kind });
  return record;
}

function rebuildError(record: ErrorRecord): Error {
  if (record.errcode !== undefined && record.endpoint !== undefined)
    return new WeChatAPIError(record.errcode, record.errmsg ?? '', record.endpoint, {
      retryable: record.retryable === true,
    });
  if (record.kind !== undefined && record.endpoint !== undefined && record.host !== undefined) {
    const prefix = `WeChat API ${record.endpoint} on ${record.host} failed (${record.kind}): `;
    return new WeChatTransportError(
      record.endpoint,
      record.host,
      record.kind,
      record.message.startsWith(prefix) ? record.message.slice(prefix.length) : record.message,
    );
  }
  const err = new Error(record.message);
  err.name = record.name;
  return err;
}

import { storeFailed } from '../diagnostics/store.js';
import { WeChatStoreError } from '../transport/errors.js';
import { kindOf, senderFor, type ClientKind, type Send } from './senders.js';
import { keySlot } from './slot.js';

/** node-redis v4 and later, one server (`createClient()` from `redis` or `@redis/client`). */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/**
 * node-redis v4 and later, Redis Cluster (`createCluster()`): routes each
 * command by the first key it is given. `masters` tells it apart from the
 * other clients at run time.
 */
export interface NodeRedisClusterLike {
  sendCommand(firstKey: string | undefined, isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  readonly masters: readonly unknown[];
}

/**
 * node-redis v5 and later, behind Sentinel (`createSentinel()`).
 * `getMasterNode` tells it apart from the other clients at run time.
 */
export interface NodeRedisSentinelLike {
  sendCommand(isReadonly: boolean | undefined, args: string[]): Promise<unknown>;
  getMasterNode(): unknown;
}

/** ioredis (`new Redis()`, `new Redis({ sentinels })`, `new Cluster()`): its generic command method. */
export interface IORedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/**
 * An already connected client you own: node-redis v4+ (`createClient`,
 * `createCluster`, `createSentinel`) or ioredis (standalone, `Cluster`, with
 * `sentinels`). This package never connects or quits it.
 */
export type RedisClientLike = NodeRedisClientLike | NodeRedisClusterLike | NodeRedisSentinelLike | IORedisClientLike;

/** Options every Redis store of this package takes. */
export interface RedisStoreOptions {
  /** Key prefix (default `wechat:`), so the keys sit apart from the app's own. */
  prefix?: string;
  /**
   * How long one Redis command may take, in ms (default 2000). A command that
   * has no answer by then fails the request with a {@link WeChatStoreError}
   * instead of holding it while the client queues commands for a server that
   * is down.
   */
  commandTimeout?: number;
}

/**
 * Sends raw commands through any supported client, each with a deadline, and
 * turns every failure into a {@link WeChatStoreError} that names Redis. Raw
 * commands keep one code path for every client (their typed helpers disagree
 * on argument shapes: `{ NX: true, PX: ms }` against `'PX', ms, 'NX'`).
 *
 * Every command touches one key, or keys of one hash slot ({@link evaluate}
 * checks), so each works unchanged on Redis Cluster.
 */
export class RedisCommands {
  readonly prefix: string;
  /** Which client was recognised (for diagnostics and tests). */
  readonly client: ClientKind;
  private readonly send: Send;
  private readonly timeout: number;

  constructor(client: RedisClientLike, options: RedisStoreOptions = {}) {
    const kind = kindOf(client);
    if (kind === undefined) {
      throw new TypeError(
        'passport-wechat-oauth2/redis: pass a connected node-redis (v4 or later) or ioredis client: createClient, createCluster or createSentinel from redis; Redis or Cluster from ioredis',
      );
    }
    this.client = kind;
    this.send = senderFor(client, kind);
    this.prefix = options.prefix ?? 'wechat:';
    this.timeout = options.commandTimeout ?? 2000;
    // Not enumerable: util.inspect of a store should not dump the whole client.
    Object.defineProperty(this, 'send', { enumerable: false });
  }

  /**
   * Runs one command (`args[0]` is the command name); rejects with a
   * WeChatStoreError. `key` is the (prefixed) key it works on: a node-redis
   * cluster sends the command to that key's master, and to any node without it.
   */
  run(args: string[], key?: string): Promise<unknown> {
    const command = args[0];
    // Every store failure is made here, and published here (docs/diagnostics.md).
    const failed = (reason: 'timeout' | 'unavailable', message: string): WeChatStoreError =>
      storeFailed(new WeChatStoreError('redis', reason, message), command, this.client);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          failed(
            'timeout',
            `Redis did not answer ${command} within ${this.timeout} ms; no login was granted. Check that Redis is up and reachable.`,
          ),
        );
      }, this.timeout);
      let sent: Promise<unknown>;
      try {
        sent = Promise.resolve(this.send(args, key));
      } catch (err) {
        sent = Promise.reject(err);
      }
      sent.then(
        (reply) => {
          clearTimeout(timer);
          resolve(reply);
        },
        (err: unknown) => {
          clearTimeout(timer);
          const detail = err instanceof Error ? err.message : String(err);
          reject(failed('unavailable', `Redis ${command} failed (${detail}); no login was granted.`));
        },
      );
    });
  }

  async set(key: string, value: string, ttlMs: number, onlyIfNew: boolean): Promise<boolean> {
    const args = ['SET', this.prefix + key, value, 'PX', String(Math.max(1, Math.ceil(ttlMs)))];
    if (onlyIfNew) args.push('NX');
    return (await this.run(args, args[1])) === 'OK';
  }

  async get(key: string): Promise<string | undefined> {
    const reply = await this.run(['GET', this.prefix + key], this.prefix + key);
    return reply === null || reply === undefined ? undefined : String(reply);
  }

  async del(key: string): Promise<void> {
    await this.run(['DEL', this.prefix + key], this.prefix + key);
  }

  /**
   * `EVAL script numkeys key… arg…` on prefixed `keys`. Keys of different hash
   * slots are refused here, on every topology: Redis Cluster would refuse them
   * (CROSSSLOT) and a single server would not, so a script that only works on
   * one server fails in every test instead of in a cluster in production.
   */
  evaluate(script: string, keys: string[], args: string[]): Promise<unknown> {
    const full = keys.map((key) => this.prefix + key);
    if (new Set(full.map(keySlot)).size > 1) {
      return Promise.reject(
        new TypeError(`passport-wechat-oauth2/redis: a script's keys must share one hash slot: ${full.join(', ')}`),
      );
    }
    return this.run(['EVAL', script, String(full.length), ...full, ...args], full[0]);
  }
}

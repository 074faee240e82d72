import { WeChatStoreError } from '../transport/errors.js';

/** node-redis v4 and later (`createClient()` from `redis` or `@redis/client`). */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
}

/** ioredis (`new Redis()`): its generic command method. */
export interface IORedisClientLike {
  call(command: string, ...args: string[]): Promise<unknown>;
}

/** An already connected client you own: node-redis v4+ or ioredis. This package never connects or quits it. */
export type RedisClientLike = NodeRedisClientLike | IORedisClientLike;

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
 * Sends raw commands through either client, each with a deadline, and turns
 * every failure into a {@link WeChatStoreError} that names Redis. Raw
 * commands keep one code path for both clients (their typed helpers disagree
 * on argument shapes: `{ NX: true, PX: ms }` against `'PX', ms, 'NX'`).
 */
export class RedisCommands {
  readonly prefix: string;
  private readonly send: (args: string[]) => Promise<unknown>;
  private readonly timeout: number;

  constructor(client: RedisClientLike, options: RedisStoreOptions = {}) {
    if (client && typeof (client as IORedisClientLike).call === 'function') {
      const io = client as IORedisClientLike;
      this.send = ([command, ...args]) => io.call(command as string, ...args);
    } else if (client && typeof (client as NodeRedisClientLike).sendCommand === 'function') {
      const node = client as NodeRedisClientLike;
      this.send = (args) => node.sendCommand(args);
    } else {
      throw new TypeError('passport-wechat-oauth2/redis: pass a connected node-redis (v4 or later) or ioredis client');
    }
    this.prefix = options.prefix ?? 'wechat:';
    this.timeout = options.commandTimeout ?? 2000;
    // Not enumerable: util.inspect of a store should not dump the whole client.
    Object.defineProperty(this, 'send', { enumerable: false });
  }

  /** Runs one command (`args[0]` is the command name); rejects with a WeChatStoreError. */
  run(args: string[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(
          new WeChatStoreError(
            'redis',
            'timeout',
            `Redis did not answer ${args[0]} within ${this.timeout} ms; no login was granted. Check that Redis is up and reachable.`,
          ),
        );
      }, this.timeout);
      let sent: Promise<unknown>;
      try {
        sent = Promise.resolve(this.send(args));
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
          reject(
            new WeChatStoreError('redis', 'unavailable', `Redis ${args[0]} failed (${detail}); no login was granted.`),
          );
        },
      );
    });
  }

  /** `SET key value PX ttl [NX]`; true when it was set. */
  async set(key: string, value: string, ttlMs: number, onlyIfNew: boolean): Promise<boolean> {
    const args = ['SET', this.prefix + key, value, 'PX', String(Math.max(1, Math.ceil(ttlMs)))];
    if (onlyIfNew) args.push('NX');
    return (await this.run(args)) === 'OK';
  }

  async get(key: string): Promise<string | undefined> {
    const reply = await this.run(['GET', this.prefix + key]);
    return reply === null || reply === undefined ? undefined : String(reply);
  }

  async del(key: string): Promise<void> {
    await this.run(['DEL', this.prefix + key]);
  }
}

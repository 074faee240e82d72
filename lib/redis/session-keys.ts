import { createHash } from 'node:crypto';
import type { SessionKeyStore } from '../miniprogram/session-keys.js';
import { Sealer } from '../coordination/seal.js';
import { RedisCommands, type RedisClientLike, type RedisStoreOptions } from './client.js';

export interface RedisSessionKeyStoreOptions extends RedisStoreOptions {
  /**
   * Encrypts each session_key (AES-256-GCM) before it is written: at least 32
   * characters of randomness, the same on every instance. A key sealed with
   * another secret reads as absent (`no_session_key`).
   */
  secret: string | Buffer;
  /** How long a key is kept, in ms (default 3 days; WeChat does not publish the lifetime, miniprogram-protocol.md §2.1). */
  ttlMs?: number;
}

/**
 * A {@link SessionKeyStore} every instance shares: the Mini Program's
 * session_key, sealed, under `mp-session:<hash of appID + openid>`. Redis
 * never sees a key or an openid in the clear.
 */
export class RedisSessionKeyStore implements SessionKeyStore {
  private readonly redis: RedisCommands;
  private readonly sealer: Sealer;
  private readonly ttlMs: number;

  constructor(client: RedisClientLike, options: RedisSessionKeyStoreOptions) {
    this.redis = new RedisCommands(client, options);
    this.sealer = new Sealer(options?.secret, 'RedisSessionKeyStore');
    this.ttlMs = options.ttlMs ?? 3 * 24 * 3600_000;
  }

  async get(appID: string, openid: string): Promise<string | undefined> {
    const sealed = await this.redis.get(keyOf(appID, openid));
    return sealed === undefined ? undefined : this.sealer.open(sealed);
  }

  async set(appID: string, openid: string, sessionKey: string): Promise<void> {
    await this.redis.set(keyOf(appID, openid), this.sealer.seal(sessionKey), this.ttlMs, false);
  }

  async delete(appID: string, openid: string): Promise<void> {
    await this.redis.del(keyOf(appID, openid));
  }
}

function keyOf(appID: string, openid: string): string {
  return `mp-session:${createHash('sha256').update(`${appID}\0${openid}`).digest('base64url')}`;
}

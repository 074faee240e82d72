import { createHash } from 'node:crypto';
import type { SeenStore } from '../state/seen.js';
import { RedisCommands, type RedisClientLike, type RedisStoreOptions } from './client.js';

/**
 * A {@link SeenStore} on Redis: one `SET NX PX`, atomic across every instance,
 * so a state is consumed exactly once however many instances see its
 * callback. It stores only a hash of the state id and the value `1`.
 */
export class RedisSeenStore implements SeenStore {
  private readonly redis: RedisCommands;

  constructor(client: RedisClientLike, options: RedisStoreOptions = {}) {
    this.redis = new RedisCommands(client, options);
  }

  add(key: string, ttlMs: number): Promise<boolean> {
    return this.redis.set(`seen:${createHash('sha256').update(key).digest('base64url')}`, '1', ttlMs, true);
  }
}

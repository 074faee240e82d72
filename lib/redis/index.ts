export {
  RedisCommands,
  type RedisClientLike,
  type NodeRedisClientLike,
  type IORedisClientLike,
  type RedisStoreOptions,
} from './client.js';
export { RedisSeenStore } from './seen.js';
export { RedisDeduplicator, type RedisDeduplicatorOptions } from './deduplicator.js';
export { RedisSessionKeyStore, type RedisSessionKeyStoreOptions } from './session-keys.js';
export { RedisAccessTokenStore, type RedisAccessTokenStoreOptions } from './access-tokens.js';

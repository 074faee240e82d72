/**
 * Compile-time checks (run by `npm run typecheck`, not jest): every Redis
 * store takes each supported client as it comes, without a cast.
 */
import { createClient, createCluster, createSentinel } from 'redis';
import IORedis, { Cluster } from 'ioredis';
import {
  RedisAccessTokenStore,
  RedisDeduplicator,
  RedisSeenStore,
  RedisSessionKeyStore,
  type RedisClientLike,
} from '../../lib/redis';

const secret = 'type-test-secret-0123456789abcdef0123';

const clients: RedisClientLike[] = [
  createClient({ url: 'redis://127.0.0.1:6379' }),
  createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] }),
  createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }] }),
  new IORedis('redis://127.0.0.1:6379', { lazyConnect: true }),
  new Cluster([{ host: '127.0.0.1', port: 7000 }], { lazyConnect: true }),
  new IORedis({ sentinels: [{ host: '127.0.0.1', port: 26379 }], name: 'mymaster', lazyConnect: true }),
];

// Straight into each store's constructor, too (contextual typing differs from an array element).
const cluster = createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:7000' }] });
const sentinel = createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 26379 }] });
new RedisSeenStore(cluster);
new RedisDeduplicator(cluster, { secret });
new RedisSessionKeyStore(sentinel, { secret });
new RedisAccessTokenStore(sentinel);
new RedisAccessTokenStore(new Cluster([]));

// @ts-expect-error neither a node-redis nor an ioredis client
new RedisSeenStore({ get: (key: string) => Promise.resolve(key) });
// @ts-expect-error a raw-command method that takes something else than the command's arguments
new RedisSeenStore({ sendCommand: (command: number) => Promise.resolve(command) });

void clients;

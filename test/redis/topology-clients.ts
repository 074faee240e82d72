/**
 * Connected node-redis and ioredis clients for the topologies of
 * topologies.ts, typed as the stores take them (no casts: that is what the
 * stores promise).
 */
import { createCluster, createSentinel } from 'redis';
import IORedis, { Cluster } from 'ioredis';
import type { RedisClientLike } from '../../lib/redis';
import { SENTINEL_MASTER_NAME, type RedisClusterSet, type RedisSentinelSet } from './topologies';

export type ClientKind = 'node-redis' | 'ioredis';
export const CLIENT_KINDS: ClientKind[] = ['node-redis', 'ioredis'];

export interface Connection {
  client: RedisClientLike;
  close(): Promise<void>;
}

// Connection errors surface through the stores' commands (as WeChatStoreError);
// the clients' 'error' events would otherwise crash the test process.
const ignore = () => undefined;

/**
 * Quits within 2 s whatever the client's state (a failover may leave it
 * reconnecting), then destroys it: ioredis's failover detector keeps its own
 * sentinel connections open after quit().
 */
function closer(close: () => Promise<unknown>, destroy: () => unknown): () => Promise<void> {
  return async () => {
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, 2000).unref());
    await Promise.race([close().catch(ignore), timeout]);
    try {
      await Promise.resolve(destroy()).catch(ignore);
    } catch {
      // Already closed.
    }
  };
}

export async function connectCluster(kind: ClientKind, set: RedisClusterSet): Promise<Connection> {
  if (kind === 'ioredis') {
    const client = new Cluster(set.nodes, { lazyConnect: true });
    client.on('error', ignore);
    await client.connect();
    return {
      client,
      close: closer(
        () => client.quit(),
        () => client.disconnect(),
      ),
    };
  }
  const client = createCluster({ rootNodes: set.nodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })) });
  client.on('error', ignore);
  await client.connect();
  return {
    client,
    close: closer(
      () => client.close(),
      () => client.destroy(),
    ),
  };
}

export async function connectSentinel(kind: ClientKind, set: RedisSentinelSet): Promise<Connection> {
  if (kind === 'ioredis') {
    // failoverDetector: follow Sentinel's +switch-master at once; without it ioredis stays on the old master
    // until Sentinel demotes it, some 8 s after the promotion (docs/several-instances.md).
    const client = new IORedis({
      sentinels: set.sentinels,
      name: SENTINEL_MASTER_NAME,
      lazyConnect: true,
      failoverDetector: true,
    });
    client.on('error', ignore);
    await client.connect();
    return {
      client,
      close: closer(
        () => client.quit(),
        () => client.disconnect(),
      ),
    };
  }
  const client = createSentinel({ name: SENTINEL_MASTER_NAME, sentinelRootNodes: set.sentinels });
  client.on('error', ignore);
  await client.connect();
  return {
    client,
    close: closer(
      () => client.close(),
      () => client.destroy(),
    ),
  };
}

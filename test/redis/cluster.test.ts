/**
 * Every Redis store on a real 3-master Redis Cluster (redis-server
 * --cluster-enabled, started here on free ports), through node-redis
 * `createCluster()` and ioredis `Cluster`. node-redis's cluster takes
 * `sendCommand(firstKey, isReadonly, args)`: before it was recognised, every
 * store failed with "Cannot read properties of undefined (reading 'forEach')".
 * Skipped with a notice without redis-server/redis-cli, unless REQUIRE_REDIS=1.
 */
import { RedisCommands, RedisSeenStore } from '../../lib/redis';
import { keySlot } from '../../lib/redis/slot';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { freshPrefix, instances, sharedStateScenarios } from './scenarios';
import { CLIENT_KINDS, connectCluster } from './topology-clients';
import { describeWithRedis } from '../helpers/processes';
import { redisCli, startRedisCluster, type RedisClusterSet } from './topologies';

describeWithRedis('redis cluster', { cli: true })('Redis Cluster, 3 masters', () => {
  let set: RedisClusterSet;
  let mock: MockWeChat;
  beforeAll(async () => {
    [set, mock] = await Promise.all([startRedisCluster(3), createMockWeChat({ slowMs: 400 })]);
  }, 40_000);
  afterAll(async () => {
    await mock?.close();
    await set?.stop();
  });
  beforeEach(() => {
    mock.reset();
    mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  });

  describe.each(CLIENT_KINDS)('through %s', (kind) => {
    const ctx = { connect: () => connectCluster(kind, set), mock: () => mock, label: kind };
    sharedStateScenarios(ctx);
    const pool = instances(ctx);

    it('the stores recognise the client and route each key to the master of its slot', async () => {
      const [{ client }] = await pool.open(1);
      expect(new RedisCommands(client).client).toBe(kind === 'ioredis' ? 'ioredis' : 'node-redis-cluster');
      const prefix = freshPrefix(kind);
      const seen = new RedisSeenStore(client, { prefix });
      for (let i = 0; i < 30; i++) expect(await seen.add(`state-${i}`, 30_000)).toBe(true);
      // Each node holds only keys of its own slots; 30 hashed keys spread over every master.
      const perNode: number[] = [];
      for (const { port } of set.nodes) {
        const keys = (await redisCli(port, ['--scan', '--pattern', `${prefix}*`])).split('\n').filter(Boolean);
        perNode.push(keys.length);
        for (const key of keys) {
          expect(Number(await redisCli(port, ['CLUSTER', 'KEYSLOT', key]))).toBe(keySlot(key));
        }
      }
      expect(perNode.reduce((a, b) => a + b)).toBe(30);
      expect(perNode.every((n) => n > 0)).toBe(true);
    });

    it('a script runs on keys that share a hash tag; keys of two slots are refused before anything is sent', async () => {
      const [{ client }] = await pool.open(1);
      const raw = new RedisCommands(client, { prefix: freshPrefix(kind) });
      const script = "redis.call('SET', KEYS[1], ARGV[1]) redis.call('SET', KEYS[2], ARGV[1]) return 1";
      expect(keySlot('{app}:a')).toBe(keySlot('{app}:b'));
      expect(Number(await raw.evaluate(script, ['{app}:a', '{app}:b'], ['v']))).toBe(1);
      expect(await raw.get('{app}:b')).toBe('v');
      expect(keySlot(`${raw.prefix}a`)).not.toBe(keySlot(`${raw.prefix}b`));
      await expect(raw.evaluate(script, ['a', 'b'], ['v'])).rejects.toThrow(/must share one hash slot/);
      expect(await raw.get('a')).toBeUndefined();
    });
  });
});

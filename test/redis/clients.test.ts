/**
 * Which client RedisCommands recognises, from the real client objects of
 * node-redis and ioredis (created, never connected: recognition must not
 * need a server), and the hash-slot function the stores use to keep a
 * script's keys together. No Redis server needed.
 */
import { createClient, createCluster, createSentinel } from 'redis';
import IORedis, { Cluster } from 'ioredis';
import { RedisCommands } from '../../lib/redis';
import { keySlot } from '../../lib/redis/slot';

describe('RedisCommands recognises each client', () => {
  const opened: Array<{ disconnect(): void }> = [];
  afterAll(() => opened.forEach((c) => c.disconnect()));

  it.each([
    ['node-redis createClient', () => createClient({ url: 'redis://127.0.0.1:1' }), 'node-redis'],
    [
      'node-redis createCluster',
      () => createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }),
      'node-redis-cluster',
    ],
    [
      'node-redis createSentinel',
      () => createSentinel({ name: 'mymaster', sentinelRootNodes: [{ host: '127.0.0.1', port: 1 }] }),
      'node-redis-sentinel',
    ],
  ] as const)('%s', (_name, create, kind) => {
    expect(new RedisCommands(create()).client).toBe(kind);
  });

  it.each([
    ['ioredis Redis', () => new IORedis({ port: 1, lazyConnect: true })],
    ['ioredis Cluster', () => new Cluster([{ host: '127.0.0.1', port: 1 }], { lazyConnect: true })],
    [
      'ioredis with sentinels',
      () => new IORedis({ sentinels: [{ host: '127.0.0.1', port: 1 }], name: 'm', lazyConnect: true }),
    ],
  ] as const)('%s', (_name, create) => {
    const client = create();
    opened.push(client);
    expect(new RedisCommands(client).client).toBe('ioredis');
  });

  it('an object without the markers is told by the arity of sendCommand, as node-redis declares it', () => {
    const reply = () => Promise.resolve('OK');
    const cluster = {
      sendCommand: (_k: string | undefined, _r: boolean | undefined, _a: string[], _o?: object) => reply(),
    };
    const lease = { sendCommand: (_r: boolean | undefined, _a: string[], _o?: object) => reply() };
    const standalone = { sendCommand: (_a: string[], _o?: object) => reply() };
    // As JavaScript would pass them: the public types ask for the markers.
    const kinds = [cluster, lease, standalone].map((c) => new RedisCommands(c as never).client);
    expect(kinds).toEqual(['node-redis-cluster', 'node-redis-sentinel', 'node-redis']);
  });

  it('a node-redis cluster gets the key to route by, and every command goes to a master', async () => {
    const calls: unknown[][] = [];
    const cluster = new RedisCommands(
      {
        masters: [],
        sendCommand: (k: string | undefined, r: boolean | undefined, a: string[]) => (
          calls.push([k, r, a]),
          Promise.resolve(null)
        ),
      },
      { prefix: 'p:' },
    );
    await cluster.get('k');
    await cluster.evaluate('return 1', ['x'], ['arg']);
    expect(calls).toEqual([
      ['p:k', false, ['GET', 'p:k']],
      ['p:x', false, ['EVAL', 'return 1', '1', 'p:x', 'arg']],
    ]);
  });

  it('a node-redis sentinel is never asked to read from a replica', async () => {
    const calls: unknown[][] = [];
    const sentinel = new RedisCommands({
      getMasterNode: () => undefined,
      sendCommand: (r: boolean | undefined, a: string[]) => (calls.push([r, a]), Promise.resolve('v')),
    });
    expect(await sentinel.get('k')).toBe('v');
    expect(calls).toEqual([[false, ['GET', 'wechat:k']]]);
  });

  it('refuses what is no client, naming the clients it takes', () => {
    for (const notAClient of [null, undefined, 'redis://127.0.0.1', {}, { get: () => undefined }]) {
      expect(() => new RedisCommands(notAClient as never)).toThrow(/createClient, createCluster or createSentinel/);
    }
  });

  it('refuses a script whose keys are in two slots without sending it', async () => {
    let sent = 0;
    const redis = new RedisCommands({ sendCommand: () => (sent++, Promise.resolve(1)) });
    await expect(redis.evaluate('return 1', ['a', 'b'], [])).rejects.toThrow(
      /a script's keys must share one hash slot: wechat:a, wechat:b/,
    );
    expect(await redis.evaluate('return 1', ['{t}a', '{t}b'], [])).toBe(1);
    expect(sent).toBe(1);
  });
});

describe('keySlot', () => {
  // Expected values from CLUSTER KEYSLOT on redis-server 7.0 (the cluster suite checks the stores' keys live).
  it.each([
    ['123456789', 12739],
    ['foo', 12182],
    ['{user1000}.following', keySlot('user1000')],
    ['foo{}{bar}', 8363], // an empty tag: the whole key is hashed
    ['foo{{bar}}zap', keySlot('{bar')],
    ['foo{bar}{zap}', keySlot('bar')],
  ])('%s', (key, slot) => {
    expect(keySlot(key)).toBe(slot);
  });
});

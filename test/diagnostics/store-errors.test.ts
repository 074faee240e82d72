/**
 * A failed shared-store command is published on the store-error channel:
 * the store, the reason, the command's name and the client kind (never a
 * key or a value), and the login it fails ends as an error of that name.
 */
import { WeChatMiniProgramStrategy, WeChatStoreError } from '../../lib';
import { RedisCommands, RedisDeduplicator, type NodeRedisClientLike } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { authenticate, postJSON } from '../miniprogram/helpers';
import { recordDiagnostics, type Recorder } from './record';

/** A node-redis-shaped client whose server is gone. */
const refusing: NodeRedisClientLike = {
  sendCommand: (_args: string[]) => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
};
/** One that never answers. */
const silent: NodeRedisClientLike = { sendCommand: (_args: string[]) => new Promise<unknown>(() => {}) };

let recorder: Recorder;
beforeEach(() => {
  recorder = recordDiagnostics();
});
afterEach(() => recorder.stop());

describe('diagnostics of store failures', () => {
  describe('a Redis command the client fails', () => {
    it('publishes store redis, reason unavailable, the command name and the client kind', async () => {
      const redis = new RedisCommands(refusing);
      await expect(redis.set('dedupe:secret-key', 'secret-value', 1000, true)).rejects.toBeInstanceOf(WeChatStoreError);
      expect(recorder.storeErrors()).toEqual([
        {
          store: 'redis',
          reason: 'unavailable',
          command: 'SET',
          client: 'node-redis',
          error: expect.any(WeChatStoreError),
        },
      ]);
      expect(recorder.texts().join('\n')).not.toMatch(/secret-key|secret-value/);
    });
  });

  describe('a Redis command with no answer within commandTimeout', () => {
    it('publishes reason timeout', async () => {
      const redis = new RedisCommands(silent, { commandTimeout: 20 });
      await expect(redis.get('k')).rejects.toMatchObject({ reason: 'timeout' });
      expect(recorder.storeErrors()).toEqual([expect.objectContaining({ reason: 'timeout', command: 'GET' })]);
    });
  });

  describe('a code login whose deduplicator is on a Redis that is down', () => {
    let mock: MockWeChat;
    beforeAll(async () => {
      mock = await createMockWeChat();
    });
    afterAll(() => mock.close());

    it('publishes the store error and a login that ends in WeChatStoreError, with no upstream call', async () => {
      const s = new WeChatMiniProgramStrategy({
        ...mock.apps.miniprogram,
        apiBaseURL: mock.apiBaseURL,
        deduplicator: new RedisDeduplicator(refusing, { secret: 'diagnostics-test-dedupe-secret-0123' }),
      });
      const outcome = await authenticate(s, postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('error');
      expect(recorder.storeErrors()).toEqual([expect.objectContaining({ store: 'redis', reason: 'unavailable' })]);
      expect(recorder.logins()).toEqual([
        expect.objectContaining({
          surface: 'miniprogram',
          role: 'none',
          outcome: 'error',
          errorName: 'WeChatStoreError',
        }),
      ]);
      expect(recorder.upstream()).toEqual([]);
    });
  });
});

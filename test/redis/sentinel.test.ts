/**
 * Every Redis store behind a real Sentinel set (a master, a replica and 3
 * sentinels, started here on free ports), through node-redis
 * `createSentinel()` and ioredis with `sentinels`, and a Sentinel failover
 * in the middle of a run of logins. Skipped with a notice without
 * redis-server/redis-cli, unless REQUIRE_REDIS=1.
 */
import { SignedStateStore } from '../../lib';
import { RedisCommands, RedisDeduplicator, RedisSeenStore } from '../../lib/redis';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { startBalancer } from '../helpers/balancer';
import { startLoginApp } from '../helpers/login-app';
import { trackUnhandled } from '../reliability/helpers';
import { runLogins, type LoginRecord } from './login-run';
import { freshPrefix, instances, SECRET, sharedStateScenarios, STATE_SECRET } from './scenarios';
import { CLIENT_KINDS, connectSentinel } from './topology-clients';
import { redisCli, startRedisSentinels, type FailoverTimes, type RedisSentinelSet } from './topologies';
import { describeWithRedis } from '../helpers/processes';

/** The stores' commandTimeout in the failover run: no login may wait on Redis longer (2 commands per callback). */
const COMMAND_TIMEOUT = 1000;
/** How soon after the sentinels report the new master logins must work again. */
const RECOVERY_BOUND = 10_000;
/** Logins in a row that make the run count as recovered. */
const STEADY = 10;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The end of the first success after the last failure (or after `since`), if the last STEADY logins succeeded. */
function recoveredAt(records: LoginRecord[], since: number): number | undefined {
  const ordered = [...records].sort((a, b) => a.startedAt - b.startedAt);
  const last = ordered.slice(-STEADY);
  if (last.length < STEADY || last.some((r) => r.status !== 200 || r.startedAt < since)) return undefined;
  const lastFailureEnd = Math.max(since, ...ordered.filter((r) => r.status !== 200).map((r) => r.endedAt));
  return ordered.find((r) => r.status === 200 && r.startedAt >= lastFailureEnd)?.endedAt;
}

describeWithRedis('redis sentinel', { cli: true })('Redis Sentinel: a master, a replica and 3 sentinels', () => {
  let set: RedisSentinelSet;
  let mock: MockWeChat;
  beforeAll(async () => {
    [set, mock] = await Promise.all([startRedisSentinels(), createMockWeChat({ slowMs: 400 })]);
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
    const ctx = { connect: () => connectSentinel(kind, set), mock: () => mock, label: kind };
    sharedStateScenarios(ctx);
    const pool = instances(ctx);

    it('the stores recognise the client', async () => {
      const [{ client }] = await pool.open(1);
      expect(new RedisCommands(client).client).toBe(kind === 'ioredis' ? 'ioredis' : 'node-redis-sentinel');
    });

    /**
     * Two login-app instances (state claims and dedupe in Redis) behind a
     * balancer, 3 browsers logging in again and again; `event` happens in the
     * middle. Returns the run for the assertions, after printing its figures.
     */
    async function loginsAcross(event: () => Promise<FailoverTimes>, name: string, keepOnMs = 0) {
      const prefix = freshPrefix(kind);
      const options = { prefix, commandTimeout: COMMAND_TIMEOUT };
      const apps = [];
      for (const { client } of await pool.open(2)) {
        const app = await startLoginApp(mock, {
          store: new SignedStateStore({ secret: STATE_SECRET, seen: new RedisSeenStore(client, options) }),
          strategy: { deduplicator: new RedisDeduplicator(client, { ...options, secret: SECRET }) },
        });
        pool.atEnd(() => app.close());
        apps.push(app);
      }
      const balancer = await startBalancer(apps.map((a) => a.url));
      pool.atEnd(() => balancer.close());

      const run = runLogins(balancer.url, 3, 20);
      await sleep(500);
      const times = await event();
      const done = () =>
        recoveredAt(run.records, times.promotedAt) !== undefined && Date.now() >= times.promotedAt + keepOnMs;
      while (!done() && Date.now() < times.promotedAt + RECOVERY_BOUND) await sleep(100);
      await run.stop();

      const { records } = run;
      const failed = records.filter((r) => r.status !== 200);
      const recovered = recoveredAt(records, times.promotedAt);
      const rel = (t: number) => `${t - times.acceptedAt} ms`;
      console.log(
        [
          `${name} through ${kind}: ${records.length} logins, ${failed.length} failed`,
          `  sentinels reported the new master ${rel(times.promotedAt)} after it started`,
          failed.length
            ? `  failed logins from ${rel(Math.min(...failed.map((r) => r.startedAt)))} to ${rel(Math.max(...failed.map((r) => r.endedAt)))}: ${[...new Set(failed.map((r) => `${r.status} ${r.errorName}: ${r.error}`))].join(' | ')}`
            : '  no login failed',
          `  logins steady again ${recovered === undefined ? 'never' : `${rel(recovered)} (${recovered - times.promotedAt} ms after the new master was reported)`}`,
          `  slowest login ${Math.max(...records.map((r) => r.endedAt - r.startedAt))} ms`,
        ].join('\n'),
      );
      return { times, records, failed, recovered, prefix };
    }

    /** What every run across a failover must show. */
    async function expectBoundedAndRecovered({ times, records, recovered }: Awaited<ReturnType<typeof loginsAcross>>) {
      // The event happened in the middle of the run.
      expect(records.some((r) => r.endedAt < times.acceptedAt)).toBe(true);
      for (const record of records) {
        if (record.status === 200) expect(record.openid).toBe(mock.openidOf('mp', 'alice'));
        else
          expect(record).toMatchObject({
            status: 500,
            errorName: 'WeChatStoreError',
            error: expect.stringMatching(/Redis/),
          });
        expect(record.endedAt - record.startedAt).toBeLessThan(2 * COMMAND_TIMEOUT + 1000);
      }
      expect(recovered).toBeDefined();
      expect((recovered as number) - times.promotedAt).toBeLessThan(RECOVERY_BOUND);
    }

    it('SENTINEL FAILOVER during a run of logins: each login succeeds or ends with a WeChatStoreError within the command timeout; logins work again soon after', async () => {
      const unhandled = trackUnhandled();
      const run = await loginsAcross(() => set.failover(), 'SENTINEL FAILOVER', 2000);
      unhandled.stop();
      await expectBoundedAndRecovered(run);
      expect(unhandled.seen).toEqual([]);
      // Until Sentinel demotes the old master (some 8 s after the promotion), both servers take writes. Claims
      // (seen keys) on the old one only are lost when it resyncs from the new master: count them for the docs.
      const claims = async (port: number) =>
        new Set((await redisCli(port, ['--scan', '--pattern', `${run.prefix}seen:*`])).split('\n').filter(Boolean));
      const [onOld, onNew] = [await claims(run.times.from), await claims(run.times.to)];
      const onlyOld = [...onOld].filter((k) => !onNew.has(k)).length;
      const onlyNew = [...onNew].filter((k) => !onOld.has(k)).length;
      console.log(
        `SENTINEL FAILOVER through ${kind}: after the promotion, ${onlyNew} logins claimed their state on the new master and ${onlyOld} on the old one (lost when it is demoted)`,
      );
      expect(onlyNew + onlyOld).toBeGreaterThan(0);
    }, 40_000);

    it('the master crashing during a run of logins: logins fail with a WeChatStoreError within the command timeout until the sentinels promote the replica, then work again', async () => {
      const unhandled = trackUnhandled();
      pool.atEnd(() => set.restore());
      const run = await loginsAcross(() => set.crashMaster(), 'Master crash (SIGKILL)');
      unhandled.stop();
      await expectBoundedAndRecovered(run);
      // Down-after is 1 s: logins in that second reach no master, and say so.
      expect(run.failed.length).toBeGreaterThan(0);
      expect(unhandled.seen).toEqual([]);
    }, 40_000);
  });
});

/**
 * Throwaway Redis topologies for tests, on 127.0.0.1 and random free ports:
 * a 3-master Redis Cluster, and a master + replica watched by 3 sentinels.
 * Everything runs from Debian's redis-server/redis-cli; every wait is
 * bounded; stop() kills every process and removes every temp dir.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, REDIS_BIN, REDIS_CLI } from '../helpers/processes';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `redis-cli -p port args…` on 127.0.0.1; resolves with its stdout, rejects after `timeoutMs`. */
export function redisCli(port: number, args: string[], timeoutMs = 3000): Promise<string> {
  if (!REDIS_CLI) return Promise.reject(new Error('redis-cli is not installed'));
  return new Promise((resolve, reject) => {
    execFile(
      REDIS_CLI as string,
      ['-h', '127.0.0.1', '-p', String(port), ...args],
      { timeout: timeoutMs },
      (err, stdout, stderr) =>
        err ? reject(new Error(`redis-cli ${args.join(' ')}: ${err.message} ${stderr}`)) : resolve(stdout),
    );
  });
}

/** Polls `check` every 100 ms until it returns true; throws `what` after `timeoutMs`. */
export async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** One redis-server process (server or sentinel) in its own temp dir. */
class Node {
  readonly dir = mkdtempSync(join(tmpdir(), 'test-redis-topology-'));
  private child: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  /** The last lines it printed, for a startup failure's message. */
  private log = '';

  constructor(readonly port: number) {}

  start(args: string[]): void {
    const child = spawn(REDIS_BIN as string, args, { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => (this.log = (this.log + chunk.toString()).slice(-2000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    this.child = child;
  }

  async listening(timeoutMs = 5000): Promise<void> {
    await waitFor(`redis-server on port ${this.port}`, timeoutMs, () =>
      redisCli(this.port, ['PING']).then((out) => out.trim() === 'PONG'),
    ).catch((err: Error) => {
      throw new Error(`${err.message}; its output: ${this.log}`);
    });
  }

  /** SIGKILL: a crash, and no shutdown work to wait for (nothing is persisted). The dir stays, for a restart. */
  async kill(): Promise<void> {
    this.child?.kill('SIGKILL');
    // unref: the bound must not hold the test process open once the server is gone.
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 3000).unref())]);
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const SERVER_ARGS = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];

/** A port whose cluster bus port (port + 10000) is free too. */
async function clusterPort(): Promise<number> {
  for (let i = 0; i < 50; i++) {
    const port = await freePort();
    if (port + 10000 > 65535) continue;
    const busFree = await new Promise<boolean>((resolve) => {
      const server = net.createServer();
      server.once('error', () => resolve(false));
      server.listen(port + 10000, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (busFree) return port;
  }
  throw new Error('no free port pair (port, port + 10000) for a cluster node');
}

export interface RedisClusterSet {
  /** The masters' ports, each `{ host: '127.0.0.1', port }`. */
  nodes: Array<{ host: string; port: number }>;
  stop(): Promise<void>;
}

/** A Redis Cluster of `masters` masters and no replicas, `cluster_state:ok` on every node. */
export async function startRedisCluster(masters = 3): Promise<RedisClusterSet> {
  const nodes: Node[] = [];
  const stop = async () => void (await Promise.all(nodes.map((n) => n.stop())));
  try {
    for (let i = 0; i < masters; i++) {
      const node = new Node(await clusterPort());
      nodes.push(node);
      node.start([
        ...SERVER_ARGS,
        '--port',
        String(node.port),
        '--dir',
        node.dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        'nodes.conf',
        '--cluster-node-timeout',
        '2000',
      ]);
    }
    await Promise.all(nodes.map((n) => n.listening()));
    await redisCli(
      nodes[0].port,
      ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'],
      20_000,
    );
    for (const node of nodes) {
      await waitFor(`cluster_state:ok on ${node.port}`, 10_000, async () =>
        (await redisCli(node.port, ['CLUSTER', 'INFO'])).includes('cluster_state:ok'),
      );
    }
    return { nodes: nodes.map((n) => ({ host: '127.0.0.1', port: n.port })), stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export const SENTINEL_MASTER_NAME = 'mymaster';

export interface FailoverTimes {
  from: number;
  to: number;
  /** Date.now() when a sentinel accepted SENTINEL FAILOVER. */
  acceptedAt: number;
  /** Date.now() when every sentinel reported the new master and it answered ROLE as master. */
  promotedAt: number;
}

export interface RedisSentinelSet {
  /** The sentinels, each `{ host: '127.0.0.1', port }`. */
  sentinels: Array<{ host: string; port: number }>;
  /** The master's port as the first sentinel reports it. */
  masterPort(): Promise<number>;
  /**
   * `SENTINEL FAILOVER` (retried while the sentinels answer that no replica
   * is ready yet, as right after an earlier failover), then waits (bounded)
   * until every sentinel reports the other server as master and it says so.
   */
  failover(): Promise<FailoverTimes>;
  /** SIGKILLs the master, then waits (bounded) as {@link failover} does; `acceptedAt` is when it was killed. */
  crashMaster(): Promise<FailoverTimes>;
  /** Restarts a crashed server as a replica of the master, and waits until every sentinel counts it healthy. */
  restore(): Promise<void>;
  stop(): Promise<void>;
}

/** `SENTINEL <subcommand> mymaster` on one sentinel, as its name/value lines. */
async function sentinelFields(port: number, subcommand: string): Promise<string[]> {
  const out = await redisCli(port, ['SENTINEL', subcommand, SENTINEL_MASTER_NAME]);
  return out.split('\n').map((line) => line.trim());
}

/**
 * A master, one replica and 3 sentinels (quorum 2). A master is declared
 * down after 1 s and a failover times out after 5 s, so tests stay short.
 */
export async function startRedisSentinels(): Promise<RedisSentinelSet> {
  const nodes: Node[] = [];
  const stop = async () => void (await Promise.all(nodes.map((n) => n.stop())));
  const startServer = (node: Node, masterPort?: number) =>
    node.start([
      ...SERVER_ARGS,
      '--port',
      String(node.port),
      '--dir',
      node.dir,
      ...(masterPort === undefined ? [] : ['--replicaof', '127.0.0.1', String(masterPort)]),
    ]);
  const synced = (replica: Node) =>
    waitFor(`the replica on ${replica.port} to sync`, 10_000, async () =>
      (await redisCli(replica.port, ['INFO', 'replication'])).includes('master_link_status:up'),
    );
  try {
    const servers = [new Node(await freePort()), new Node(await freePort())];
    nodes.push(...servers);
    startServer(servers[0]);
    startServer(servers[1], servers[0].port);
    await Promise.all(servers.map((n) => n.listening()));
    await synced(servers[1]);

    const sentinels: Node[] = [];
    for (let i = 0; i < 3; i++) {
      const sentinel = new Node(await freePort());
      nodes.push(sentinel);
      sentinels.push(sentinel);
      // Sentinel rewrites its config file, so each one gets its own, in its temp dir.
      const config = join(sentinel.dir, 'sentinel.conf');
      writeFileSync(
        config,
        [
          'bind 127.0.0.1',
          `port ${sentinel.port}`,
          `dir ${sentinel.dir}`,
          `sentinel monitor ${SENTINEL_MASTER_NAME} 127.0.0.1 ${servers[0].port} 2`,
          `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} 1000`,
          `sentinel failover-timeout ${SENTINEL_MASTER_NAME} 5000`,
          `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
          '',
        ].join('\n'),
      );
      sentinel.start([config, '--sentinel']);
    }
    await Promise.all(sentinels.map((s) => s.listening()));
    /** Every sentinel counts `replica` as a healthy replica (flags just `slave`) and knows the 2 other sentinels. */
    // Bounded per sentinel; a restarted server can take longer to be seen healthy on a loaded machine
    // (sentinels refresh a replica's INFO every 10 s), so `restore` allows more.
    const watched = async (replica: Node, timeoutMs = 15_000) => {
      for (const sentinel of sentinels) {
        await waitFor(`sentinel ${sentinel.port} to see ${replica.port} as a healthy replica`, timeoutMs, async () => {
          const master = await sentinelFields(sentinel.port, 'MASTER');
          if (master[master.indexOf('num-other-sentinels') + 1] !== '2') return false;
          const replicas = await sentinelFields(sentinel.port, 'REPLICAS');
          const at = replicas.indexOf(`127.0.0.1:${replica.port}`);
          return at !== -1 && replicas[replicas.indexOf('flags', at) + 1] === 'slave';
        });
      }
    };
    await watched(servers[1]);

    const masterPort = async () => {
      const fields = await sentinelFields(sentinels[0].port, 'GET-MASTER-ADDR-BY-NAME');
      return Number(fields[1]);
    };
    const serverOn = (port: number) => servers.find((n) => n.port === port) as Node;
    const otherThan = (port: number) => servers.find((n) => n.port !== port) as Node;
    const promoted = async (to: number) => {
      await waitFor(`every sentinel to report ${to} as master`, 15_000, async () => {
        for (const s of sentinels) {
          if (Number((await sentinelFields(s.port, 'GET-MASTER-ADDR-BY-NAME'))[1]) !== to) return false;
        }
        return (await redisCli(to, ['ROLE'])).startsWith('master');
      });
      return Date.now();
    };
    let crashed: Node | undefined;

    return {
      sentinels: sentinels.map((s) => ({ host: '127.0.0.1', port: s.port })),
      masterPort,
      async failover() {
        const from = await masterPort();
        const to = otherThan(from).port;
        await waitFor('a sentinel to accept SENTINEL FAILOVER', 15_000, async () => {
          const answer = await redisCli(sentinels[0].port, ['SENTINEL', 'FAILOVER', SENTINEL_MASTER_NAME]);
          return answer.trim() === 'OK';
        });
        const acceptedAt = Date.now();
        return { from, to, acceptedAt, promotedAt: await promoted(to) };
      },
      async crashMaster() {
        const from = await masterPort();
        const to = otherThan(from).port;
        crashed = serverOn(from);
        const acceptedAt = Date.now();
        await crashed.kill();
        return { from, to, acceptedAt, promotedAt: await promoted(to) };
      },
      async restore() {
        if (!crashed) return;
        const node = crashed;
        crashed = undefined;
        startServer(node, await masterPort());
        await node.listening();
        await synced(node);
        await watched(node, 30_000);
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

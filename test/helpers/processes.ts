import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** A port on 127.0.0.1 that was free a moment ago (nothing listens on it now). */
export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Debian's redis-server (apt-get install redis-server), or a local build's. */
export const REDIS_BIN = ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
/** redis-cli beside it (the Cluster and Sentinel setups need it). */
export const REDIS_CLI = REDIS_BIN && [join(dirname(REDIS_BIN), 'redis-cli')].find((p) => existsSync(p));

/**
 * The one rule of every suite on a real Redis: it runs when redis-server (and
 * redis-cli, with `cli`) is installed; else it is skipped after a notice, and
 * with REQUIRE_REDIS=1 (CI) it runs anyway, so a missing Redis fails it.
 */
export function redisRuns(suite: string, { cli = false } = {}): boolean {
  if ((REDIS_BIN && (!cli || REDIS_CLI)) || process.env.REQUIRE_REDIS === '1') return true;
  console.warn(
    `SKIPPED: ${suite}: redis-server${cli ? ' or redis-cli' : ''} not found (apt-get install -y --no-install-recommends redis-server). Set REQUIRE_REDIS=1 to make this a failure.`,
  );
  return false;
}

/** `describe` where {@link redisRuns}, else `describe.skip`. */
export function describeWithRedis(suite: string, options: { cli?: boolean } = {}): jest.Describe {
  return redisRuns(suite, options) ? describe : describe.skip;
}

export interface ThrowawayRedis {
  url: string;
  port: number;
  stop(): void;
  /** Settles once the server process has exited (after stop()). */
  exited: Promise<void>;
}

/** A redis-server on a free port (or `port`, to restart one) with no persistence, answering within 5 s. */
export async function startRedis(requestedPort?: number): Promise<ThrowawayRedis> {
  if (!REDIS_BIN)
    throw new Error('redis-server is not installed: apt-get install -y --no-install-recommends redis-server');
  const port = requestedPort ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'test-redis-'));
  const redis = spawn(
    REDIS_BIN,
    ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>((resolve) => redis.once('exit', () => resolve()));
  const stop = (): void => {
    redis.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 5000;
  for (;;) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return { url: `redis://127.0.0.1:${port}`, port, stop, exited };
    if (Date.now() > deadline) {
      stop();
      throw new Error('redis-server did not start within 5 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

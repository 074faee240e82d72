import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

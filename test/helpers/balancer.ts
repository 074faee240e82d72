import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface BalancerOptions {
  /**
   * How long to hold an instance's answer before passing it to the client,
   * per request: a slow mobile network on the way back. A client that gave
   * up meanwhile (a cancelled navigation) never receives the answer, and
   * with it never its Set-Cookie.
   */
  holdMs?: (req: http.IncomingMessage) => number;
}

export interface Balancer {
  url: string;
  /** Requests forwarded to each instance, by index. */
  hits: number[];
  /** Emits `forwarded` (path, instance index, Cookie header) as a request is sent to an instance. */
  events: EventEmitter;
  close(): Promise<void>;
}

/**
 * A round-robin HTTP load balancer on 127.0.0.1 without sticky sessions:
 * each request goes to the next instance, whatever connection it came on.
 * The Host header passes through unchanged, as behind a real balancer, so a
 * relative callbackURL resolves to the balancer.
 */
export async function startBalancer(instances: string[], options: BalancerOptions = {}): Promise<Balancer> {
  const hits = instances.map(() => 0);
  const events = new EventEmitter();
  let next = 0;
  const agent = new http.Agent({ keepAlive: true });
  const server = http.createServer((req, res) => {
    const index = next++ % instances.length;
    hits[index] = (hits[index] ?? 0) + 1;
    const target = new URL(instances[index] as string);
    const hold = options.holdMs?.(req) ?? 0;
    const upstream = http.request(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers, agent },
      (answer) => {
        const deliver = (): void => {
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        };
        if (hold > 0) setTimeout(deliver, hold);
        else deliver();
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent && !res.destroyed) res.writeHead(502).end();
    });
    req.pipe(upstream);
    events.emit('forwarded', req.url, index, req.headers.cookie);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    events,
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

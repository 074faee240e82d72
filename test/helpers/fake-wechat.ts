import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import path from 'node:path';

/** A recorded request to the fake API. */
export interface RecordedRequest {
  path: string;
  query: Record<string, string>;
  method: string;
  headers: import('node:http').IncomingHttpHeaders;
}

/** How the fake answers one request. */
export type Reply =
  | { body: string; contentType?: string; status?: number; delayMs?: number }
  | { hang: true }
  | { reset: true }
  /** Sends the headers, then one byte of `body` every `everyMs` ms. */
  | { trickle: string; everyMs: number }
  /** Promises `body` in full (content-length), sends half of it, then drops the connection. */
  | { cut: string };

export type Route = (req: RecordedRequest) => Reply;

export function fixture(name: string): string {
  return fs.readFileSync(path.join(__dirname, '..', 'fixtures', name), 'utf8').trim();
}

/**
 * A scripted stand-in for api.weixin.qq.com on 127.0.0.1: each path answers
 * from a route function, every request is recorded. Strategy unit tests use
 * it where they need exact control of a single answer (a delay, a reset, a
 * specific errcode); end-to-end tests use the bundled emulator instead.
 */
export class FakeWeChatAPI {
  readonly requests: RecordedRequest[] = [];
  private readonly routes = new Map<string, Route>();
  private server?: http.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  /** TCP connections accepted so far (keep-alive reuse shows as fewer of them than requests). */
  connections = 0;
  url = '';

  route(pathname: string, route: Route | Reply): this {
    this.routes.set(pathname, typeof route === 'function' ? route : () => route);
    return this;
  }

  requestsTo(pathname: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path === pathname);
  }

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const recorded: RecordedRequest = {
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        method: req.method ?? 'GET',
        headers: req.headers,
      };
      this.requests.push(recorded);
      const route = this.routes.get(url.pathname);
      const reply: Reply = route ? route(recorded) : { status: 404, body: 'not found', contentType: 'text/html' };
      if ('hang' in reply) return;
      if ('reset' in reply) return void req.socket.destroy();
      if ('trickle' in reply) return trickle(res, reply.trickle, reply.everyMs);
      if ('cut' in reply) {
        res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(reply.cut) });
        res.write(reply.cut.slice(0, Math.floor(reply.cut.length / 2)));
        return void setTimeout(() => req.socket.destroy(), 20);
      }
      const send = () => {
        res.writeHead(reply.status ?? 200, { 'content-type': reply.contentType ?? 'text/plain' });
        res.end(reply.body);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
    this.server.on('connection', (s) => {
      this.connections++;
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function trickle(res: http.ServerResponse, body: string, everyMs: number): void {
  res.writeHead(200, { 'content-type': 'text/plain' });
  let sent = 0;
  const timer = setInterval(() => {
    if (res.destroyed || sent >= body.length) {
      clearInterval(timer);
      if (!res.destroyed) res.end();
      return;
    }
    res.write(body[sent++]);
  }, everyMs);
  res.on('close', () => clearInterval(timer));
}

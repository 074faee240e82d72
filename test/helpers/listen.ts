import type http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A test server on 127.0.0.1 and a free port, and how to close it with its keep-alive connections. */
export interface LoopbackServer {
  url: string;
  close(): Promise<void>;
}

/** `app` is an Express app (or anything with Express's `listen(port, host, callback)`). */
export async function listenOnLoopback(app: {
  listen(port: number, host: string, callback: () => void): http.Server;
}): Promise<LoopbackServer> {
  const server: http.Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

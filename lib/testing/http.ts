/**
 * Small response helpers shared by the handlers (no framework: the emulator is also the load-test upstream).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export function send(res: ServerResponse, status: number, contentType: string, body: string): void {
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function sendHtml(res: ServerResponse, status: number, html: string): void {
  send(res, status, 'text/html; charset=utf-8', html);
}

export function redirect(res: ServerResponse, location: string): void {
  res.writeHead(302, { Location: location, 'Content-Length': 0 });
  res.end();
}

export function notFound(res: ServerResponse): void {
  send(res, 404, 'text/plain; charset=utf-8', '404 Not Found');
}

export function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('Allow', allow);
  send(res, 405, 'text/plain; charset=utf-8', '405 Method Not Allowed');
}

/** Reads a small urlencoded form body (the consent form). */
export async function readForm(req: IncomingMessage, limit = 16 * 1024): Promise<URLSearchParams> {
  return new URLSearchParams(await readText(req, limit));
}

/** Reads a small body as UTF-8 text (JSON APIs and the control API); rejects past `limit` bytes. */
export function readText(req: IncomingMessage, limit = 16 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Drain the rest instead of destroying the socket, so the client still receives the error response.
        req.removeAllListeners('data');
        req.resume();
        reject(new TypeError('body too large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

import type { Request } from 'express';
import { resolve } from 'node:url';

type LooseRequest = {
  app?: { get?: (setting: string) => unknown };
  headers?: Record<string, string | string[] | undefined>;
  socket?: { encrypted?: boolean };
  connection?: { encrypted?: boolean };
  url?: string;
};

/**
 * `target` made absolute against the URL of this request, the way
 * passport-oauth2's `utils.originalURL` does it (same trust-proxy rules),
 * but on every framework's request: that function reads
 * `req.connection.encrypted`, and a Fastify 5 request has no `connection`,
 * so a relative callbackURL crashed every Fastify login.
 */
export function absoluteURL(req: Request, target: string, trustProxy: boolean): string {
  if (isAbsoluteURL(target)) return target;
  const loose = req as unknown as LooseRequest;
  const trust = trustProxy || Boolean(loose.app?.get?.('trust proxy'));
  const headers = loose.headers ?? {};
  const forwardedProto = firstValue(headers['x-forwarded-proto']).toLowerCase();
  const tls = (loose.socket ?? loose.connection)?.encrypted === true || (trust && forwardedProto === 'https');
  return resolve(`${tls ? 'https' : 'http'}://${requestHost(req, trust)}${loose.url ?? ''}`, target);
}

/** Has a scheme, so it needs no request to resolve it. */
export function isAbsoluteURL(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(url);
}

/** The host a relative URL is resolved against: X-Forwarded-Host behind a trusted proxy, else Host (the first of a chain). */
export function requestHost(req: Request, trust: boolean): string {
  const headers = (req as unknown as LooseRequest).headers ?? {};
  return (trust && firstValue(headers['x-forwarded-host'])) || firstValue(headers.host);
}

/** The first of a comma-separated (proxy chain) header. */
function firstValue(header: string | string[] | undefined): string {
  const value = Array.isArray(header) ? header[0] : header;
  return (value ?? '').split(',')[0]!.trim();
}

import type { Request } from 'express';

/** The raw `Cookie` request header, if the request carried one. */
export function cookieHeader(req: Request): string | undefined {
  const header = req.headers?.cookie;
  return typeof header === 'string' && header ? header : undefined;
}

/**
 * The cookies a request carried, normalised (trimmed, sorted), as one string;
 * `undefined` when it carried none. A browser whose navigation was cancelled
 * sends the same cookies again on its duplicate: the cancelled response's
 * Set-Cookie never landed. Another browser cannot present them.
 */
export function browserFingerprint(req: Request): string | undefined {
  const header = cookieHeader(req);
  if (header === undefined) return undefined;
  const cookies = header
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)
    .sort();
  return cookies.length > 0 ? cookies.join('; ') : undefined;
}

/** Reads one cookie from the request (cookie-parser's `req.cookies` if present, else the raw header). */
export function readCookie(req: Request, name: string): string | undefined {
  const parsed = (req as { cookies?: Record<string, unknown> }).cookies;
  if (parsed && typeof parsed[name] === 'string') return parsed[name] as string;
  const header = cookieHeader(req);
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Appends a Set-Cookie header on Express's `req.res` (other frameworks: see SignedStateStore docs). */
export function setCookie(req: Request, name: string, value: string, maxAgeSeconds: number): boolean {
  const res = (req as { res?: { append?: (field: string, value: string) => unknown } }).res;
  if (!res || typeof res.append !== 'function') return false;
  const secure = (req as { secure?: boolean }).secure ? '; Secure' : '';
  res.append('Set-Cookie', `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure}`);
  return true;
}

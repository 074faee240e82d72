import type { Request } from 'express';

/** Reads one cookie from the request (cookie-parser's `req.cookies` if present, else the raw header). */
export function readCookie(req: Request, name: string): string | undefined {
  const parsed = (req as { cookies?: Record<string, unknown> }).cookies;
  if (parsed && typeof parsed[name] === 'string') return parsed[name] as string;
  const header = req.headers?.cookie;
  if (typeof header !== 'string') return undefined;
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

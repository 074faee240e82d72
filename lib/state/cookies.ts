import type { Request } from 'express';

/**
 * Cookies on whatever request object the framework hands a Passport strategy:
 *
 * - Express 4/5 (and NestJS on platform-express): Node's request, with
 *   `req.res` the Express response (`res.append`).
 * - Koa with koa-passport: a mock request whose `cookies` is Koa's
 *   `ctx.cookies` (`get`/`set`) and whose `res` only redirects and ends.
 * - Fastify with @fastify/passport: the FastifyRequest, which has no way to
 *   reach its reply. A value that must reach the browser goes into the
 *   session instead (@fastify/secure-session keeps it in an encrypted cookie,
 *   @fastify/session behind one), which @fastify/passport needs anyway.
 * - Anything else that sets `req.res` to Node's ServerResponse.
 */

/** Which framework a request comes from, for error messages that name the fix. */
export type Framework = 'express' | 'koa' | 'fastify' | 'unknown';

interface CookieJar {
  get: (name: string, options?: { signed?: boolean }) => string | undefined;
  set: (name: string, value: string, options: Record<string, unknown>) => unknown;
}

interface NodeResponse {
  append?: (field: string, value: string) => unknown;
  appendHeader?: (field: string, value: string) => unknown;
  headersSent?: boolean;
}

type SessionLike = { get?: (key: string) => unknown; set?: (key: string, value: unknown) => void } & Record<
  string,
  unknown
>;

/** Session key under which a cookie lives where no response can carry it (Fastify). */
const SESSION_PREFIX = 'wechat:cookie:';

export function frameworkOf(req: Request): Framework {
  const loose = req as unknown as Record<string, unknown>;
  if (loose.ctx && typeof loose.ctx === 'object' && 'cookies' in (loose.ctx as object)) return 'koa';
  if (loose.raw && typeof loose.raw === 'object' && 'server' in loose && !('res' in loose)) return 'fastify';
  if (loose.res && typeof (loose.res as NodeResponse).append === 'function') return 'express';
  return 'unknown';
}

/** The raw `Cookie` request header, if the request carried one (every framework keeps `headers`). */
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

/**
 * Reads one cookie: a parsed `req.cookies` object (cookie-parser,
 * @fastify/cookie) or the raw header; under Fastify also the session copy
 * that {@link setCookie} wrote there.
 */
export function readCookie(req: Request, name: string): string | undefined {
  const parsed = (req as { cookies?: unknown }).cookies as Record<string, unknown> | undefined;
  if (parsed && typeof parsed === 'object' && typeof parsed[name] === 'string') return parsed[name] as string;
  const header = cookieHeader(req);
  if (header !== undefined) {
    for (const part of header.split(';')) {
      const eq = part.indexOf('=');
      if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
    }
  }
  return frameworkOf(req) === 'fastify' ? readSessionCookie(req, name) : undefined;
}

/**
 * Sets an httpOnly, SameSite=Lax cookie (Secure on HTTPS) on the response to
 * this request; `false` when the framework gives no way to (see
 * {@link cookieAdvice}).
 */
export function setCookie(req: Request, name: string, value: string, maxAgeSeconds: number): boolean {
  const secure = isSecure(req);
  const jar = cookieJarOf(req);
  if (jar) {
    // Koa: `signed: false`, or Koa would add a .sig cookie whenever app.keys is set.
    jar.set(name, value, {
      path: '/',
      maxAge: maxAgeSeconds * 1000,
      httpOnly: true,
      sameSite: 'lax',
      secure,
      signed: false,
      overwrite: true,
    });
    return true;
  }
  const header = `${name}=${value}; Path=/; Max-Age=${maxAgeSeconds}; HttpOnly; SameSite=Lax${secure ? '; Secure' : ''}`;
  const res = (req as { res?: NodeResponse }).res;
  if (res && typeof res.append === 'function') {
    res.append('Set-Cookie', header);
    return true;
  }
  if (res && typeof res.appendHeader === 'function' && !res.headersSent) {
    res.appendHeader('Set-Cookie', header);
    return true;
  }
  if (frameworkOf(req) === 'fastify') return writeSessionCookie(req, name, value, maxAgeSeconds);
  return false;
}

/** What to do when {@link setCookie} could not set a cookie: names the framework and the fix. */
export function cookieAdvice(req: Request): string {
  switch (frameworkOf(req)) {
    case 'fastify':
      return 'Fastify gives a strategy no access to the reply, so the cookie is kept in the session: register @fastify/secure-session or @fastify/session (with @fastify/cookie) before @fastify/passport';
    default:
      return 'the request has no response to set it on: use Express (req.res), Koa with koa-passport (ctx.cookies), or Fastify with @fastify/passport and a session plugin';
  }
}

/** How to give this framework the session the default state store needs. */
export function sessionAdvice(req: Request): string {
  switch (frameworkOf(req)) {
    case 'koa':
      return 'Koa: app.use(session(app)) from koa-session before passport.initialize()';
    case 'fastify':
      return 'Fastify: register @fastify/secure-session (or @fastify/cookie and @fastify/session) before @fastify/passport';
    default:
      return 'Express or NestJS: app.use(session({ secret, resave: false, saveUninitialized: false })) from express-session before passport';
  }
}

function cookieJarOf(req: Request): CookieJar | undefined {
  const cookies = (req as { cookies?: unknown }).cookies as Partial<CookieJar> | undefined;
  return cookies && typeof cookies.get === 'function' && typeof cookies.set === 'function'
    ? (cookies as CookieJar)
    : undefined;
}

function isSecure(req: Request): boolean {
  const loose = req as { secure?: unknown; protocol?: unknown; socket?: { encrypted?: unknown } };
  if (typeof loose.secure === 'boolean') return loose.secure;
  if (typeof loose.protocol === 'string') return loose.protocol === 'https';
  return loose.socket?.encrypted === true;
}

function sessionOf(req: Request): SessionLike | undefined {
  const session = (req as { session?: unknown }).session;
  return session && typeof session === 'object' ? (session as SessionLike) : undefined;
}

interface SessionCookie {
  value: string;
  expires: number;
}

function writeSessionCookie(req: Request, name: string, value: string, maxAgeSeconds: number): boolean {
  const session = sessionOf(req);
  if (!session) return false;
  const cookie: SessionCookie = { value, expires: Date.now() + maxAgeSeconds * 1000 };
  // @fastify/secure-session and @fastify/session both have get/set.
  if (typeof session.set === 'function') session.set(SESSION_PREFIX + name, cookie);
  else session[SESSION_PREFIX + name] = cookie;
  return true;
}

function readSessionCookie(req: Request, name: string): string | undefined {
  const session = sessionOf(req);
  if (!session) return undefined;
  const stored = (
    typeof session.get === 'function' ? session.get(SESSION_PREFIX + name) : session[SESSION_PREFIX + name]
  ) as Partial<SessionCookie> | undefined;
  return stored && typeof stored.value === 'string' && typeof stored.expires === 'number' && stored.expires > Date.now()
    ? stored.value
    : undefined;
}

/**
 * Fault injection, so that clients can test retries and api → api2 failover (protocol doc §5, §9).
 *
 * A fault is armed for an exact request pathname (`/sns/oauth2/access_token` is the primary host,
 * `/api2/sns/oauth2/access_token` the api2 disaster-recovery host) and fires for the next `count`
 * requests. Faulted requests never reach the handler, so they do not consume the code — except
 * `slow`, which is a real (late) answer.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { send } from './http.js';
import { errorBody } from './json.js';
import type { FaultKind } from './types.js';

const NAMED_KINDS: ReadonlySet<string> = new Set(['timeout', 'reset', '502', 'html', 'truncated', 'slow']);

export function isFaultKind(v: unknown): v is FaultKind {
  return (typeof v === 'number' && Number.isInteger(v)) || (typeof v === 'string' && NAMED_KINDS.has(v));
}

export class Faults {
  private readonly armed = new Map<string, { kind: FaultKind; remaining: number }>();

  /** Arms (or, with count ≤ 0, disarms) the fault for `path`; a later call for the same path replaces it. */
  set(path: string, kind: FaultKind, count: number): void {
    if (!isFaultKind(kind)) throw new TypeError(`setFault: unknown fault kind ${JSON.stringify(kind)}`);
    if (!Number.isFinite(count) || count <= 0) this.armed.delete(path);
    else this.armed.set(path, { kind, remaining: Math.floor(count) });
  }

  /** Consumes one shot of the fault armed for `path`, if any. */
  take(path: string): FaultKind | undefined {
    const f = this.armed.get(path);
    if (!f) return undefined;
    if (--f.remaining <= 0) this.armed.delete(path);
    return f.kind;
  }

  clear(): void {
    this.armed.clear();
  }
}

/** What an overloaded gateway in front of WeChat answers. */
const BAD_GATEWAY_HTML =
  '<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

/** A captive-portal / maintenance page served with 200, the classic "HTML instead of JSON" case (§2.5). */
const HTML_200 =
  '<!DOCTYPE html><html><head><meta charset="utf-8"><title>系统维护中</title></head><body><p>系统维护中，请稍后再试。 Service under maintenance.</p></body></html>';

/** A JSON body cut off mid-string, as when a proxy drops the connection after a partial write. */
const TRUNCATED_JSON = '{"access_token":"83_trunc';

/**
 * Answers `req` according to a non-`slow` fault. `contentType` is the endpoint's normal content type,
 * used for errcode faults so they are indistinguishable from real errors.
 */
export function applyFault(
  kind: Exclude<FaultKind, 'slow'>,
  req: IncomingMessage,
  res: ServerResponse,
  contentType: string,
): void {
  switch (kind) {
    case 'timeout':
      // Accept and never answer; the emulator's close() destroys the socket.
      return;
    case 'reset':
      req.socket.destroy();
      return;
    case '502':
      send(res, 502, 'text/html', BAD_GATEWAY_HTML);
      return;
    case 'html':
      send(res, 200, 'text/html; charset=utf-8', HTML_200);
      return;
    case 'truncated':
      send(res, 200, 'text/plain', TRUNCATED_JSON);
      return;
    default:
      send(res, 200, contentType, errorBody(kind));
  }
}

/**
 * Drives the code-login strategies the way passport does (a per-request copy
 * with success/fail/error installed) against the emulator over 127.0.0.1.
 */
import type { MockWeChat } from '../../lib/testing';
import { get, json } from '../testing/helpers';

export type Outcome =
  | { kind: 'success'; user: any; info: unknown }
  | { kind: 'fail'; challenge: any; status?: number }
  | { kind: 'error'; error: any };

export function authenticate(strategy: object, req: any): Promise<Outcome> {
  return new Promise((resolve) => {
    const s = Object.create(strategy);
    s.success = (user: unknown, info: unknown) => resolve({ kind: 'success', user, info });
    s.fail = (challenge: unknown, status?: number) => resolve({ kind: 'fail', challenge, status });
    s.error = (error: Error) => resolve({ kind: 'error', error });
    s.authenticate(req, {});
  });
}

/** A JSON POST as express.json() leaves it. */
export function postJSON(body: unknown, headers: Record<string, string> = {}): any {
  return { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, query: {} };
}

export async function requestCount(mock: MockWeChat, path: string): Promise<number> {
  const stats = json(await get(`${mock.url}/__mock/stats`)) as { requests: Record<string, number> };
  return stats.requests[path] ?? 0;
}

/**
 * Fault matrix: {token, userinfo, refresh} × {timeout, reset, 502, html,
 * truncated, errcode -1, slow past the timeout} × {primary only, both bases},
 * against the bundled emulator. After every case the same app must still
 * complete a normal login. The matrix is printed as a markdown table.
 */
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import type { FaultKind } from '../../lib/testing/types';
import { Browser, mockStats, startLoginApp, type LoginApp } from '../helpers/login-app';
import { exchange, json, setFaultOnBothBases } from '../testing/helpers';
import { trackUnhandled } from './helpers';

const TOKEN = '/sns/oauth2/access_token';
const USERINFO = '/sns/userinfo';
const REFRESH = '/sns/oauth2/refresh_token';
const KINDS: FaultKind[] = ['timeout', 'reset', '502', 'html', 'truncated', -1, 'slow'];
const CALLS = [
  ['token', TOKEN],
  ['userinfo', USERINFO],
  ['refresh', REFRESH],
] as const;

let mock: MockWeChat;
let app: LoginApp;
const unhandled = trackUnhandled();
const rows: string[] = [];

beforeAll(async () => {
  mock = await createMockWeChat({ slowMs: 800 });
  mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  app = await startLoginApp(mock, { strategy: { timeout: 400 } });
});

afterAll(async () => {
  await app?.close();
  await mock?.close();
  unhandled.stop();
  console.log(['| call | fault | primary only (A) | primary + api2 (B) |', '|---|---|---|---|', ...rows].join('\n'));
});

interface Outcome {
  status: number;
  summary: string;
  body: { user?: { openid: string }; error?: string; name?: string; failed?: { message: string } };
}

async function login(): Promise<Outcome> {
  const browser = new Browser();
  const cb = await browser.callbackURL(app.url);
  const res = await browser.get(cb);
  const body = (await res.json()) as Outcome['body'];
  const summary =
    res.status === 200
      ? 'success'
      : res.status === 401
        ? `fail ${body.failed?.message}`
        : `error ${body.name}: ${body.error}`;
  if (res.status === 200) {
    expect((await browser.me(app.url))?.openid).toBe(mock.openidOf('mp', 'alice'));
  }
  return { status: res.status, summary, body };
}

/** A refresh token that belongs to a fresh, successful login. */
async function freshRefreshToken(): Promise<string> {
  const before = app.tokens.length;
  const outcome = await login();
  expect(outcome.status).toBe(200);
  expect(app.tokens.length).toBe(before + 1);
  return app.tokens[app.tokens.length - 1].refreshToken;
}

async function refresh(token: string): Promise<{ summary: string; err?: Error; ok?: boolean }> {
  try {
    const result = await app.strategy.refreshAccessToken(token);
    expect(result.openid).toBe(mock.openidOf('mp', 'alice'));
    expect(result.accessToken).toMatch(/^83_/);
    return { summary: 'success', ok: true };
  } catch (err) {
    const e = err as Error;
    return { summary: `error ${e.name}: ${e.message}`, err: e };
  }
}

function arm(path: string, kind: FaultKind, both: boolean) {
  if (both) setFaultOnBothBases(mock, path, kind);
  else mock.setFault(path, kind, 1);
}

function cell(s: string): string {
  return s.replace(/\|/g, '\\|').slice(0, 110);
}

async function assertHealthy() {
  const after = await login();
  expect(after.summary).toBe('success');
}

describe.each(CALLS)('%s call', (call, path) => {
  it.each(KINDS.map((k) => [String(k), k] as const))(
    'fault %s: A fails over, B errors clearly, then logins work again',
    async (_name, kind) => {
      const results: string[] = [];
      for (const both of [false, true]) {
        // Refresh needs a real refresh token from a healthy login first.
        const refreshToken = call === 'refresh' ? await freshRefreshToken() : '';
        const before = await mockStats(mock);
        arm(path, kind, both);
        let summary: string;
        if (call === 'refresh') {
          const r = await refresh(refreshToken);
          summary = r.summary;
          if (!both) {
            expect(r.summary).toBe('success');
          } else {
            expect(r.ok).toBeUndefined();
            const expectedName = kind === -1 ? 'WeChatAPIError' : 'WeChatTransportError';
            expect(r.err?.name).toBe(expectedName);
            expect(r.err?.message).toMatch(
              kind === -1
                ? /\/sns\/oauth2\/refresh_token answered errcode -1/
                : /\/sns\/oauth2\/refresh_token on .* failed \(/,
            );
          }
        } else {
          const outcome = await login();
          summary = outcome.summary;
          // Note: the emulator's 'slow' fault waits *before* handling the
          // request, so with the primary slow the backup redeems the code first
          // and case A succeeds; the "primary consumed the code, then timed
          // out" case is covered separately below.
          if (!both) {
            expect(outcome.status).toBe(200);
          } else if (call === 'token') {
            expect(outcome.status).toBe(500);
            if (kind === -1) {
              expect(outcome.body.name).toBe('WeChatAPIError');
              expect(outcome.body.error).toMatch(/answered errcode -1/);
            } else {
              expect(outcome.body.name).toBe('InternalOAuthError');
              expect(outcome.body.error).toBe('Failed to obtain access token');
              const last = app.errors[app.errors.length - 1] as Error & { oauthError?: Error };
              expect(last.oauthError?.name).toBe('WeChatTransportError');
              if (kind === 'timeout' || kind === 'slow')
                expect(last.oauthError?.message).toMatch(/\(timeout\): no answer within 400 ms/);
            }
          } else {
            expect(outcome.status).toBe(500);
            expect(outcome.body.name).toBe(kind === -1 ? 'WeChatAPIError' : 'WeChatTransportError');
            expect(outcome.body.error).toMatch(/\/sns\/userinfo/);
          }
        }
        const stats = await mockStats(mock);
        const primaryHits = (stats[path] ?? 0) - (before[path] ?? 0);
        const backupHits = (stats[`/api2${path}`] ?? 0) - (before[`/api2${path}`] ?? 0);
        expect(primaryHits).toBeGreaterThanOrEqual(1);
        // Case A: the backup is tried exactly once; case B: both are tried.
        expect(backupHits).toBe(1);
        results.push(`${summary} (primary ${primaryHits}, api2 ${backupHits})`);
        // The same app keeps working after the fault.
        await assertHealthy();
      }
      rows.push(`| ${call} | ${String(kind)} | ${cell(results[0])} | ${cell(results[1])} |`);
    },
  );
});

describe('token call: the primary consumed the code, then timed out', () => {
  it("reports the timeout (InternalOAuthError), not the backup's 40163 echo as invalid_code", async () => {
    const browser = new Browser();
    const cb = await browser.callbackURL(app.url);
    const code = new URL(cb).searchParams.get('code') as string;
    // What a late-but-processed primary does: WeChat redeems the code.
    const direct = json(await exchange(mock, 'mp', code)) as { access_token?: string };
    expect(direct.access_token).toMatch(/^83_/);
    mock.setFault(TOKEN, 'timeout', 1);
    const res = await browser.get(cb);
    const body = (await res.json()) as Outcome['body'];
    expect(res.status).toBe(500);
    expect(body.name).toBe('InternalOAuthError');
    const last = app.errors[app.errors.length - 1] as Error & { oauthError?: Error };
    expect(last.oauthError?.name).toBe('WeChatTransportError');
    expect(last.oauthError?.message).toMatch(/\(timeout\): no answer within 400 ms/);
    rows.push(
      `| token | primary consumed + timeout | — | ${cell(`error ${body.name}: ${body.error} (cause: ${last.oauthError?.message})`)} |`,
    );
    await assertHealthy();
  });
});

describe('the file as a whole', () => {
  it('saw no unhandled rejection or uncaught exception', async () => {
    // Let late 'slow' answers and aborted sockets settle first.
    await new Promise((r) => setTimeout(r, 500));
    expect(unhandled.seen).toEqual([]);
  });
});

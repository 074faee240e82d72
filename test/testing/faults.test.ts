import { createMockWeChat, type FaultKind, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { exchange, get, json, obtainCode, qs, sleep, type HttpResult } from './helpers';

const TOKEN_PATH = '/sns/oauth2/access_token';
const API2_TOKEN_PATH = '/api2/sns/oauth2/access_token';

function tokenURL(mock: MockWeChat, code: string, base = mock.apiBaseURL[0]): string {
  const app = mock.apps.mp;
  return `${base}/sns/oauth2/access_token?${qs([
    ['appid', app.appID],
    ['secret', app.appSecret],
    ['code', code],
    ['grant_type', 'authorization_code'],
  ])}`;
}

describe('WeChat emulator fault injection', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat({ slowMs: 300 });
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  /** Arms `kind` once on the primary token endpoint, lets `check` observe the faulted answer, then proves the code survived. */
  async function withFault(kind: FaultKind, check: (r: Promise<HttpResult>) => Promise<void>): Promise<void> {
    const code = await obtainCode(mock, 'mp');
    mock.setFault(TOKEN_PATH, kind, 1);
    await check(get(tokenURL(mock, code), { timeoutMs: 1000 }));
    expect(json(await exchange(mock, 'mp', code)).openid).toBe(mock.openidOf('mp', 'alice'));
  }

  it('"timeout" accepts the request and never answers', async () => {
    const code = await obtainCode(mock, 'mp');
    mock.setFault(TOKEN_PATH, 'timeout', 1);
    const started = Date.now();
    await expect(get(tokenURL(mock, code), { timeoutMs: 250 })).rejects.toThrow('client timeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(240);
    expect(json(await exchange(mock, 'mp', code)).scope).toBe('snsapi_userinfo');
  });

  it('"reset" destroys the socket without a response', () =>
    withFault('reset', async (r) => {
      await expect(r).rejects.toThrow(/socket hang up|ECONNRESET/);
    }));

  it('"502" answers HTTP 502 with an HTML body', () =>
    withFault('502', async (r) => {
      const res = await r;
      expect(res.status).toBe(502);
      expect(res.headers['content-type']).toBe('text/html');
      expect(res.body).toContain('<title>502 Bad Gateway</title>');
    }));

  it('"html" answers HTTP 200 with an HTML page', () =>
    withFault('html', async (r) => {
      const res = await r;
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toMatch(/^<!DOCTYPE html>/);
    }));

  it('"truncated" answers HTTP 200 text/plain with cut-off JSON', () =>
    withFault('truncated', async (r) => {
      const res = await r;
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain');
      expect(res.body.startsWith('{"access_token":')).toBe(true);
      expect(() => JSON.parse(res.body)).toThrow();
    }));

  it('a number answers HTTP 200 {"errcode":N,"errmsg":"…, rid: …"}', () =>
    withFault(-1, async (r) => {
      const res = await r;
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/plain');
      expect(res.body).toMatch(/^\{"errcode":-1,"errmsg":"system error, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}"\}$/);
    }));

  it('errcode faults use the endpoint content type (jscode2session: JSON)', async () => {
    mock.setFault('/sns/jscode2session', 45011, 1);
    const r = await get(`${mock.url}/sns/jscode2session?appid=x`);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(json(r).errcode).toBe(45011);
    expect(json(r).errmsg).toMatch(/^api minute-quota reach limit/);
  });

  it('an errcode without a known text still gets an errmsg with rid', async () => {
    mock.setFault('/sns/auth', 99999, 1);
    expect(json(await get(`${mock.url}/sns/auth`)).errmsg).toMatch(/^mock error, rid: /);
  });

  it('"slow" answers correctly after slowMs, consuming the code', async () => {
    const code = await obtainCode(mock, 'mp');
    mock.setFault(TOKEN_PATH, 'slow', 1);
    const started = Date.now();
    const r = await get(tokenURL(mock, code));
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    expect(json(r).openid).toBe(mock.openidOf('mp', 'alice'));
    expect(json(await exchange(mock, 'mp', code)).errcode).toBe(40163);
  });

  it('fires exactly `count` times, then the endpoint works again', async () => {
    const code = await obtainCode(mock, 'mp');
    mock.setFault(TOKEN_PATH, '502', 2);
    expect((await get(tokenURL(mock, code))).status).toBe(502);
    expect((await get(tokenURL(mock, code))).status).toBe(502);
    expect(json(await get(tokenURL(mock, code))).scope).toBe('snsapi_userinfo');
  });

  describe('api2 role', () => {
    it('a primary fault leaves /api2 working (failover target)', async () => {
      const code = await obtainCode(mock, 'mp');
      mock.setFault(TOKEN_PATH, -1, 5);
      expect(json(await get(tokenURL(mock, code))).errcode).toBe(-1);
      const r = await get(tokenURL(mock, code, mock.apiBaseURL[1]));
      expect(json(r).openid).toBe(mock.openidOf('mp', 'alice'));
    });

    it('an /api2 fault leaves the primary working', async () => {
      const code = await obtainCode(mock, 'mp');
      mock.setFault(API2_TOKEN_PATH, 'html', 1);
      expect((await get(tokenURL(mock, code, mock.apiBaseURL[1]))).headers['content-type']).toBe(
        'text/html; charset=utf-8',
      );
      expect(json(await get(tokenURL(mock, code))).scope).toBe('snsapi_userinfo');
    });

    it('treats a Host starting with api2. as the api2 role', async () => {
      const code = await obtainCode(mock, 'mp');
      mock.setFault(API2_TOKEN_PATH, '502', 1);
      const viaHost = await get(tokenURL(mock, code), { headers: { Host: 'api2.weixin.qq.com' } });
      expect(viaHost.status).toBe(502);
      const stats = json(await get(`${mock.url}/__mock/stats`));
      expect(stats.requests).toEqual({ '/connect/oauth2/authorize': 1, '/connect/confirm': 1, [API2_TOKEN_PATH]: 1 });
    });
  });

  describe('arming', () => {
    it('count ≤ 0 disarms', async () => {
      mock.setFault(TOKEN_PATH, '502', 3);
      mock.setFault(TOKEN_PATH, '502', 0);
      expect(json(await get(tokenURL(mock, 'x'))).errcode).toBe(40029);
    });

    it('reset() disarms', async () => {
      mock.setFault(TOKEN_PATH, '502', 3);
      mock.reset();
      expect(json(await get(tokenURL(mock, 'x'))).errcode).toBe(40029);
    });

    it('rejects unknown kinds', () => {
      expect(() => mock.setFault(TOKEN_PATH, 'explode' as FaultKind, 1)).toThrow(/unknown fault kind/);
      expect(() => mock.setFault(TOKEN_PATH, 1.5, 1)).toThrow(/unknown fault kind/);
    });

    it('applies to the authorize page too', async () => {
      mock.setFault('/connect/oauth2/authorize', '502', 1);
      expect((await get(`${mock.authorizationURL}?appid=x`)).status).toBe(502);
    });
  });

  describe('close()', () => {
    it('ends hung "timeout" requests and interrupts "slow" waits', async () => {
      const m = await createMockWeChat({ slowMs: 60_000 });
      m.setFault('/sns/auth', 'timeout', 1);
      m.setFault('/sns/userinfo', 'slow', 1);
      const hung = get(`${m.url}/sns/auth`);
      const slow = get(`${m.url}/sns/userinfo`);
      await sleep(100);
      const started = Date.now();
      await m.close();
      expect(Date.now() - started).toBeLessThan(1000);
      await expect(hung).rejects.toThrow(/socket hang up|ECONNRESET/);
      await expect(slow).rejects.toThrow(/socket hang up|ECONNRESET/);
    });
  });
});

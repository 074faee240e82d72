/**
 * The emulator's Mini Program, mobile-app and server-token endpoints, its
 * minting helpers and their HTTP control routes (miniprogram-protocol.md §7).
 */
import { createDecipheriv, createHmac } from 'node:crypto';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { get, json, qs, request, type HttpResult } from './helpers';

const CGI_JSON = 'application/json; encoding=utf-8';
let mock: MockWeChat;

beforeAll(async () => {
  mock = await createMockWeChat({ serverTokenTtlSeconds: 2 });
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

function postJSON(
  path: string,
  body: unknown,
  headers: Record<string, string> = { 'Content-Type': 'application/json' },
): Promise<HttpResult> {
  return request(`${mock.url}${path}`, {
    method: 'POST',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers,
  });
}

function expectErr(r: HttpResult, errcode: number): void {
  expect(r.status).toBe(200);
  expect(json(r).errcode).toBe(errcode);
}

async function session(code: string): Promise<Record<string, unknown>> {
  const { appID, appSecret } = mock.apps.miniprogram;
  return json(
    await get(
      `${mock.url}/sns/jscode2session?${qs([
        ['appid', appID],
        ['secret', appSecret],
        ['js_code', code],
        ['grant_type', 'authorization_code'],
      ])}`,
    ),
  );
}

async function stable(force = false): Promise<string> {
  const { appID, appSecret } = mock.apps.miniprogram;
  const r = await postJSON('/cgi-bin/stable_token', {
    grant_type: 'client_credential',
    appid: appID,
    secret: appSecret,
    force_refresh: force,
  });
  expect(r.headers['content-type']).toBe(CGI_JSON);
  return json(r).access_token as string;
}

function checksession(token: string, openid: string, key: string, sigMethod = 'hmac_sha256'): Promise<HttpResult> {
  const signature = createHmac('sha256', key).update('').digest('hex');
  return get(
    `${mock.url}/wxa/checksession?${qs([
      ['access_token', token],
      ['signature', signature],
      ['openid', openid],
      ['sig_method', sigMethod],
    ])}`,
  );
}

describe('Mini Program login', () => {
  it('miniProgramLogin mints a single-use js_code; jscode2session answers the current session_key', async () => {
    const code = mock.miniProgramLogin('alice');
    expect(code).toMatch(/^[A-Za-z0-9]{32}$/);
    const first = await session(code);
    expect(Object.keys(first)).toEqual(['session_key', 'openid', 'unionid']);
    expect(first.openid).toBe(mock.openidOf('miniprogram', 'alice'));
    expect((await session(code)).errcode).toBe(40163);
    const second = await session(mock.miniProgramLogin('alice'));
    expect(second.session_key).not.toBe(first.session_key);
  });

  it('expires js_codes (5 min by default) and SendAuth codes (10 min) with 40029', async () => {
    const m = await createMockWeChat({ codeTtlSeconds: { miniprogram: 0.2, app: 0.2 } });
    try {
      const js = m.miniProgramLogin('alice');
      const app = m.appLogin('alice');
      await new Promise((r) => setTimeout(r, 300));
      const mini = m.apps.miniprogram;
      expect(
        json(
          await get(
            `${m.url}/sns/jscode2session?${qs([
              ['appid', mini.appID],
              ['secret', mini.appSecret],
              ['js_code', js],
              ['grant_type', 'authorization_code'],
            ])}`,
          ),
        ).errcode,
      ).toBe(40029);
      const { appID, appSecret } = m.apps.app;
      expect(
        json(
          await get(
            `${m.url}/sns/oauth2/access_token?${qs([
              ['appid', appID],
              ['secret', appSecret],
              ['code', app],
              ['grant_type', 'authorization_code'],
            ])}`,
          ),
        ).errcode,
      ).toBe(40029);
    } finally {
      await m.close();
    }
  });

  it('binds a js_code to the Mini Program: another appid gets 40029', async () => {
    const { appID, appSecret } = mock.apps.app;
    const r = json(
      await get(
        `${mock.url}/sns/jscode2session?${qs([
          ['appid', appID],
          ['secret', appSecret],
          ['js_code', mock.miniProgramLogin('alice')],
          ['grant_type', 'authorization_code'],
        ])}`,
      ),
    );
    expect(r.errcode).toBe(40029);
  });

  it('answers 40226 for a blocked user until unblocked', async () => {
    mock.setUserBlocked('bob', true);
    expect((await session(mock.miniProgramLogin('bob'))).errcode).toBe(40226);
    mock.setUserBlocked('bob', false);
    expect((await session(mock.miniProgramLogin('bob'))).openid).toBe(mock.openidOf('miniprogram', 'bob'));
  });

  it('answers 45011 past the per-user minute quota', async () => {
    const m = await createMockWeChat({ miniProgramQuotaPerMinute: 1 });
    try {
      const { appID, appSecret } = m.apps.miniprogram;
      const call = async (code: string) =>
        json(
          await get(
            `${m.url}/sns/jscode2session?${qs([
              ['appid', appID],
              ['secret', appSecret],
              ['js_code', code],
              ['grant_type', 'authorization_code'],
            ])}`,
          ),
        );
      expect((await call(m.miniProgramLogin('alice'))).openid).toBeDefined();
      expect((await call(m.miniProgramLogin('alice'))).errcode).toBe(45011);
      expect((await call(m.miniProgramLogin('bob'))).openid).toBeDefined();
    } finally {
      await m.close();
    }
  });

  it('encryptedDataFor encrypts under the current key with the watermark last', async () => {
    const { session_key: key } = await session(mock.miniProgramLogin('alice'));
    const { encryptedData, iv } = mock.encryptedDataFor('alice', { a: 1 });
    const d = createDecipheriv('aes-128-cbc', Buffer.from(key as string, 'base64'), Buffer.from(iv, 'base64'));
    const plain = JSON.parse(Buffer.concat([d.update(Buffer.from(encryptedData, 'base64')), d.final()]).toString());
    expect(Object.keys(plain)).toEqual(['a', 'watermark']);
    expect(plain.watermark).toEqual({ appid: mock.apps.miniprogram.appID, timestamp: expect.any(Number) });
  });

  it('helpers refuse unknown users and bad data', () => {
    expect(() => mock.miniProgramLogin('mallory')).toThrow(/unknown user/);
    expect(() => mock.appLogin('mallory')).toThrow(/unknown user/);
    expect(() => mock.phoneCode('mallory')).toThrow(/unknown user/);
    expect(() => mock.setUserBlocked('mallory', true)).toThrow(/unknown user/);
    expect(() => mock.encryptedDataFor('alice', null as never)).toThrow(/object/);
  });

  it('appLogin mints a code for /sns/oauth2/access_token with the mobile appid and snsapi_userinfo', async () => {
    const { appID, appSecret } = mock.apps.app;
    const r = await get(
      `${mock.url}/sns/oauth2/access_token?${qs([
        ['appid', appID],
        ['secret', appSecret],
        ['code', mock.appLogin('bob')],
        ['grant_type', 'authorization_code'],
      ])}`,
    );
    expect(json(r)).toMatchObject({
      openid: mock.openidOf('app', 'bob'),
      scope: 'snsapi_userinfo',
      unionid: mock.users[1].unionid,
    });
  });
});

describe('server access tokens', () => {
  it('stable_token is idempotent and answers the remaining life', async () => {
    const a = await stable();
    expect(a).toMatch(/^\d+_/);
    expect(await stable()).toBe(a);
  });

  it('stable_token refuses GET (43002) and a form body (41002), and checks credentials', async () => {
    expectErr(await get(`${mock.url}/cgi-bin/stable_token`), 43002);
    expectErr(
      await postJSON('/cgi-bin/stable_token', 'grant_type=client_credential', {
        'Content-Type': 'application/x-www-form-urlencoded',
      }),
      41002,
    );
    expectErr(
      await postJSON('/cgi-bin/stable_token', {
        grant_type: 'client_credential',
        appid: mock.apps.miniprogram.appID,
        secret: 'x',
      }),
      40125,
    );
    expectErr(
      await postJSON('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: 'wx0', secret: 'x' }),
      40013,
    );
    expectErr(await postJSON('/cgi-bin/stable_token', { appid: mock.apps.miniprogram.appID, secret: 'x' }), 40002);
    expectErr(
      await postJSON('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: mock.apps.miniprogram.appID }),
      41004,
    );
    expectErr(await postJSON('/cgi-bin/stable_token', '[]'), 41002);
  });

  it('force_refresh kills the previous token at once; a second force within 30 s changes nothing', async () => {
    const { session_key: key } = await session(mock.miniProgramLogin('alice'));
    const openid = mock.openidOf('miniprogram', 'alice');
    const old = await stable();
    const forced = await stable(true);
    expect(forced).not.toBe(old);
    expectErr(await checksession(old, openid, key as string), 40001);
    expectErr(await checksession(forced, openid, key as string), 0);
    expect(await stable(true)).toBe(forced);
  });

  describe('on a moved clock', () => {
    let offset = 0;
    beforeEach(() => {
      const realNow = Date.now.bind(Date);
      offset = 0;
      jest.spyOn(Date, 'now').mockImplementation(() => realNow() + offset);
    });
    afterEach(() => jest.restoreAllMocks());

    it('allows 20 forced refreshes a day, 30 s apart, then answers 45009 until the next day', async () => {
      const first = await stable(true);
      const tokens = new Set([first]);
      for (let i = 1; i < 20; i++) {
        offset += 31_000;
        tokens.add(await stable(true));
      }
      expect(tokens.size).toBe(20);
      offset += 31_000;
      const { appID, appSecret } = mock.apps.miniprogram;
      expectErr(
        await postJSON('/cgi-bin/stable_token', {
          grant_type: 'client_credential',
          appid: appID,
          secret: appSecret,
          force_refresh: true,
        }),
        45009,
      );
      offset += 24 * 3600_000;
      expect(tokens.has(await stable(true))).toBe(false);
    });

    it("gives each user 100 jscode2session calls a minute (WeChat's quota), then a new minute", async () => {
      for (let i = 0; i < 100; i++) expect((await session(mock.miniProgramLogin('bob'))).openid).toBeDefined();
      expect((await session(mock.miniProgramLogin('bob'))).errcode).toBe(45011);
      offset += 60_000;
      expect((await session(mock.miniProgramLogin('bob'))).openid).toBeDefined();
    });
  });

  it('/cgi-bin/token issues a new token per call and the previous one keeps working (overlap)', async () => {
    const { appID, appSecret } = mock.apps.miniprogram;
    const url = `${mock.url}/cgi-bin/token?${qs([
      ['grant_type', 'client_credential'],
      ['appid', appID],
      ['secret', appSecret],
    ])}`;
    const first = json(await get(url));
    const second = json(await get(url));
    expect(second.access_token).not.toBe(first.access_token);
    expect(first.expires_in).toBe(2);
    const { session_key: key } = await session(mock.miniProgramLogin('alice'));
    expectErr(
      await checksession(first.access_token as string, mock.openidOf('miniprogram', 'alice'), key as string),
      0,
    );
    expectErr(await get(url.replace(/secret=[^&]+/, 'secret=x')), 40125);
  });

  it('an expired token answers 42001, an unknown one 40001', async () => {
    const token = await stable();
    const { session_key: key } = await session(mock.miniProgramLogin('alice'));
    const openid = mock.openidOf('miniprogram', 'alice');
    expectErr(await checksession('nope', openid, key as string), 40001);
    await new Promise((r) => setTimeout(r, 2100));
    expectErr(await checksession(token, openid, key as string), 42001);
    expect(await stable()).not.toBe(token);
  });
});

describe('/wxa/checksession', () => {
  it('answers 0 for the current key, 87009 for an old one or an unknown openid, 87008 for another sig_method, 41001 without a token', async () => {
    const openid = mock.openidOf('miniprogram', 'alice');
    const { session_key: old } = await session(mock.miniProgramLogin('alice'));
    const token = await stable();
    expectErr(await checksession(token, openid, old as string), 0);
    expectErr(await checksession(token, openid, old as string, 'md5'), 87008);
    mock.miniProgramLogin('alice');
    expectErr(await checksession(token, openid, old as string), 87009);
    expectErr(await checksession(token, 'o-unknown', old as string), 87009);
    expectErr(await get(`${mock.url}/wxa/checksession?openid=x`), 41001);
  });
});

describe('/wxa/business/getuserphonenumber', () => {
  const phone = async (body: unknown, token?: string, headers?: Record<string, string>) =>
    postJSON(`/wxa/business/getuserphonenumber?access_token=${token ?? (await stable())}`, body, headers);

  it("answers the user's number with errcode 0 and a string countryCode, once per code", async () => {
    const code = mock.phoneCode('bob');
    expect(code).toMatch(/^[0-9a-f]{64}$/);
    const r = await phone({ code });
    expect(r.headers['content-type']).toBe(CGI_JSON);
    expect(json(r)).toEqual({
      errcode: 0,
      errmsg: 'ok',
      phone_info: {
        phoneNumber: mock.users[1].phoneNumber,
        purePhoneNumber: mock.users[1].phoneNumber,
        countryCode: '86',
        watermark: { timestamp: expect.any(Number), appid: mock.apps.miniprogram.appID },
      },
    });
    expectErr(await phone({ code }), 40029);
  });

  it('refuses GET, empty and malformed bodies, unknown codes and tokens of another app', async () => {
    expectErr(await get(`${mock.url}/wxa/business/getuserphonenumber?access_token=x`), 43002);
    expectErr(await phone(''), 44002);
    expectErr(await phone('{not json'), 47001);
    expectErr(await phone({ code: 'f'.repeat(64) }), 40029);
    expectErr(await phone({ code: mock.phoneCode('alice') }, 'unknown-token'), 40001);
    const { appID, appSecret } = mock.apps.mp;
    const other = json(
      await postJSON('/cgi-bin/stable_token', { grant_type: 'client_credential', appid: appID, secret: appSecret }),
    ).access_token as string;
    expectErr(await phone({ code: mock.phoneCode('alice') }, other), 40029);
  });
});

describe('HTTP control API', () => {
  const control = (path: string, body?: unknown, method = 'POST') =>
    request(`${mock.url}/__mock/${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });

  it('mints js_codes, SendAuth results, phone codes and encryptedData', async () => {
    const js = json(await control('miniprogram/login', { user: 'alice' }));
    expect((await session(js.code as string)).openid).toBe(mock.openidOf('miniprogram', 'alice'));
    const app = json(await control('app/login?user=bob&state=s1'));
    expect(app).toEqual({
      errCode: 0,
      code: expect.stringMatching(/^[A-Za-z0-9]{32}$/),
      state: 's1',
      lang: 'zh_CN',
      country: 'CN',
    });
    const phoneCode = json(await control('miniprogram/phone-code', { user: 'bob' }));
    expect(phoneCode.code).toMatch(/^[0-9a-f]{64}$/);
    const data = json(await control('miniprogram/encrypted-data', { user: 'alice', data: { x: 1 } }));
    expect(data).toEqual({ encryptedData: expect.any(String), iv: expect.stringMatching(/^[A-Za-z0-9+/]{22}==$/) });
  });

  it('sets auto-consent, blocks users, arms faults and resets', async () => {
    expect(json(await control('auto-consent', { user: 'bob', decision: 'allow' }))).toEqual({ ok: true });
    const authorize = `${mock.authorizationURL}?appid=${mock.apps.mp.appID}&redirect_uri=${encodeURIComponent('http://localhost/cb')}&response_type=code&scope=snsapi_userinfo&state=s`;
    expect((await get(authorize)).status).toBe(302);
    await control('auto-consent', {});
    expect((await get(authorize)).status).toBe(200);
    await control('miniprogram/blocked', { user: 'alice' });
    expect((await session(mock.miniProgramLogin('alice'))).errcode).toBe(40226);
    await control('miniprogram/blocked', { user: 'alice', blocked: false });
    expect((await session(mock.miniProgramLogin('alice'))).errcode).toBeUndefined();
    await control('fault', { path: '/sns/jscode2session', kind: 45011, count: 1 });
    expect((await session(mock.miniProgramLogin('alice'))).errcode).toBe(45011);
    await control('auto-consent', { user: 'bob' });
    await control('reset');
    expect((await get(authorize)).status).toBe(200);
  });

  it('lists apps and users', async () => {
    const body = json(await control('apps', undefined, 'GET'));
    expect(body.apps).toEqual(mock.apps);
    expect((body.users as Array<{ key: string; miniprogramOpenid: string }>)[0]).toMatchObject({
      key: 'alice',
      miniprogramOpenid: mock.openidOf('miniprogram', 'alice'),
    });
  });

  it('answers 400 with a reason for bad requests, 405 for wrong methods, 404 for unknown routes', async () => {
    expect(await control('miniprogram/login', { user: 'mallory' })).toMatchObject({
      status: 400,
      body: expect.stringContaining('unknown user'),
    });
    expect(await control('miniprogram/login', {})).toMatchObject({
      status: 400,
      body: expect.stringContaining('need user'),
    });
    expect((await request(`${mock.url}/__mock/miniprogram/login`, { method: 'POST', body: '{oops' })).status).toBe(400);
    expect((await request(`${mock.url}/__mock/miniprogram/login`, { method: 'POST', body: '[1]' })).status).toBe(400);
    expect(await control('auto-consent', { user: 'bob', decision: 'maybe' })).toMatchObject({ status: 400 });
    expect(await control('miniprogram/encrypted-data', { user: 'alice', data: [1] })).toMatchObject({ status: 400 });
    expect((await control('miniprogram/login', undefined, 'GET')).status).toBe(405);
    expect((await control('apps', {}, 'POST')).status).toBe(405);
    expect((await control('nothing')).status).toBe(404);
    expect(
      (await request(`${mock.url}/__mock/miniprogram/login`, { method: 'POST', body: 'x'.repeat(70_000) })).status,
    ).toBe(400);
  });
});

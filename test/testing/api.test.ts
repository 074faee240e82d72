import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import type { WeChatTokenResponse } from '../../lib/sns/types';
import { exchange, get, json, login, obtainCode, qs, request, sleep, type HttpResult } from './helpers';

const RID_RE = /, rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/;
const TOKEN_RE = /^\d\d_[A-Za-z0-9_-]{86}$/;
const OPENID_RE = /^o[A-Za-z0-9_-]{27}$/;

function expectErr(r: HttpResult, errcode: number): void {
  expect(r.status).toBe(200);
  const body = json(r);
  expect(body.errcode).toBe(errcode);
  expect(body.errmsg).toMatch(RID_RE);
}

describe('WeChat emulator /sns APIs', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  const sns = (path: string, params: Array<[string, string]>): Promise<HttpResult> =>
    get(`${mock.apiBaseURL[0]}${path}?${qs(params)}`);

  describe('GET /sns/oauth2/access_token', () => {
    describe('with a fresh snsapi_userinfo code of the Official Account', () => {
      let r: HttpResult;
      let code: string;
      beforeEach(async () => {
        code = await obtainCode(mock, 'mp', { user: 'alice' });
        r = await exchange(mock, 'mp', code);
      });

      it('issued a 32-char alphanumeric code', () => {
        expect(code).toMatch(/^[A-Za-z0-9]{32}$/);
      });

      it('answers text/plain JSON in WeChat field order, with unionid', () => {
        expect(r.status).toBe(200);
        expect(r.headers['content-type']).toBe('text/plain');
        expect(Object.keys(json(r))).toEqual([
          'access_token',
          'expires_in',
          'refresh_token',
          'openid',
          'scope',
          'unionid',
        ]);
      });

      it('returns WeChat-shaped values', () => {
        const b = json(r) as unknown as WeChatTokenResponse;
        expect(b.access_token).toMatch(TOKEN_RE);
        expect(b.refresh_token).toMatch(TOKEN_RE);
        expect(b.refresh_token).not.toBe(b.access_token);
        expect(b.expires_in).toBe(7200);
        expect(b.openid).toBe(mock.openidOf('mp', 'alice'));
        expect(b.scope).toBe('snsapi_userinfo');
        expect(b.unionid).toBe(mock.users.find((u) => u.key === 'alice')?.unionid);
      });

      it('rejects a second exchange of the same code with 40163', async () => {
        expectErr(await exchange(mock, 'mp', code), 40163);
      });

      it('also rejects the reuse through the api2 base (shared state)', async () => {
        expectErr(await exchange(mock, 'mp', code, mock.apiBaseURL[1]), 40163);
      });
    });

    it('omits unionid for snsapi_base (since end-2017, §2.3)', async () => {
      const b = await login(mock, 'mp', { scope: 'snsapi_base' });
      expect(Object.keys(b)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope']);
      expect(b.scope).toBe('snsapi_base');
      expect(b.openid).toBe(mock.openidOf('mp', 'alice'));
    });

    it('gives website apps unionid and their own openid', async () => {
      const b = await login(mock, 'web', { user: 'bob' });
      expect(b.scope).toBe('snsapi_login');
      expect(b.openid).toBe(mock.openidOf('web', 'bob'));
      expect(b.openid).not.toBe(mock.openidOf('mp', 'bob'));
      expect(b.unionid).toBe(mock.users.find((u) => u.key === 'bob')?.unionid);
    });

    describe('for the snapshot user', () => {
      it('adds is_snapshotuser:1 after unionid and uses fresh virtual ids each time', async () => {
        const a = await login(mock, 'mp', { user: 'snapshot' });
        const b = await login(mock, 'mp', { user: 'snapshot' });
        expect(Object.keys(a)).toEqual([
          'access_token',
          'expires_in',
          'refresh_token',
          'openid',
          'scope',
          'unionid',
          'is_snapshotuser',
        ]);
        expect(a.is_snapshotuser).toBe(1);
        expect(a.openid).toMatch(OPENID_RE);
        expect(a.openid).not.toBe(mock.openidOf('mp', 'snapshot'));
        expect(a.openid).not.toBe(b.openid);
        expect(a.unionid).not.toBe(b.unionid);
        expect(a.unionid).not.toBe(mock.users.find((u) => u.key === 'snapshot')?.unionid);
      });
    });

    describe('errors', () => {
      const app = (): { appID: string; appSecret: string } => mock.apps.mp;
      it.each([
        [
          'no appid',
          41002,
          (c: string): Array<[string, string]> => [
            ['secret', app().appSecret],
            ['code', c],
            ['grant_type', 'authorization_code'],
          ],
        ],
        [
          'no secret',
          41004,
          (c: string): Array<[string, string]> => [
            ['appid', app().appID],
            ['code', c],
            ['grant_type', 'authorization_code'],
          ],
        ],
        [
          'no code',
          41008,
          (): Array<[string, string]> => [
            ['appid', app().appID],
            ['secret', app().appSecret],
            ['grant_type', 'authorization_code'],
          ],
        ],
        [
          'an unknown appid',
          40013,
          (c: string): Array<[string, string]> => [
            ['appid', 'wx0000000000000000'],
            ['secret', app().appSecret],
            ['code', c],
            ['grant_type', 'authorization_code'],
          ],
        ],
        [
          'a wrong secret',
          40125,
          (c: string): Array<[string, string]> => [
            ['appid', app().appID],
            ['secret', '0'.repeat(32)],
            ['code', c],
            ['grant_type', 'authorization_code'],
          ],
        ],
        [
          'a wrong grant_type',
          40002,
          (c: string): Array<[string, string]> => [
            ['appid', app().appID],
            ['secret', app().appSecret],
            ['code', c],
            ['grant_type', 'client_credentials'],
          ],
        ],
        [
          'an unknown code',
          40029,
          (): Array<[string, string]> => [
            ['appid', app().appID],
            ['secret', app().appSecret],
            ['code', 'A'.repeat(32)],
            ['grant_type', 'authorization_code'],
          ],
        ],
      ])('answers %s with errcode %i and does not consume the code', async (_name, errcode, params) => {
        const code = await obtainCode(mock, 'mp');
        expectErr(await sns('/sns/oauth2/access_token', params(code)), errcode);
        expect((await exchange(mock, 'mp', code)).body).toContain('access_token');
      });

      it('answers 40029 for a code issued to the other app, without consuming it', async () => {
        const code = await obtainCode(mock, 'web');
        expectErr(await exchange(mock, 'mp', code), 40029);
        expect(json(await exchange(mock, 'web', code)).openid).toBe(mock.openidOf('web', 'alice'));
      });

      it('escapes / as \\/ in errmsg-free bodies too (headimgurl)', async () => {
        const b = await login(mock, 'mp');
        const r = await sns('/sns/userinfo', [
          ['access_token', b.access_token],
          ['openid', b.openid],
          ['lang', 'zh_CN'],
        ]);
        expect(r.body).toContain('"headimgurl":"http:\\/\\/127.0.0.1:');
      });
    });

    describe('code lifetime', () => {
      let short: MockWeChat;
      beforeAll(async () => {
        // The web TTL leaves 1.7 s of room for the exchange that must land before it (sleeps only run late).
        short = await createMockWeChat({ codeTtlSeconds: { mp: 0.2, web: 2 } });
      });
      afterAll(() => short.close());

      it('expires mp codes after codeTtlSeconds.mp with 40029', async () => {
        const code = await obtainCode(short, 'mp');
        await sleep(300);
        expectErr(await exchange(short, 'mp', code), 40029);
      });

      it('keeps web codes for their own (longer) TTL', async () => {
        const code = await obtainCode(short, 'web');
        await sleep(300); // past the mp TTL
        expect(json(await exchange(short, 'web', code)).scope).toBe('snsapi_login');
        const late = await obtainCode(short, 'web');
        await sleep(2100);
        expectErr(await exchange(short, 'web', late), 40029);
      });
    });
  });

  describe('GET /sns/oauth2/refresh_token', () => {
    const refresh = (appid: string, token: string, grant = 'refresh_token'): Promise<HttpResult> =>
      sns('/sns/oauth2/refresh_token', [
        ['appid', appid],
        ['grant_type', grant],
        ['refresh_token', token],
      ]);

    it('needs no secret and returns the same, still valid access token in field order', async () => {
      const b = await login(mock, 'mp');
      const r = await refresh(mock.apps.mp.appID, b.refresh_token);
      expect(r.headers['content-type']).toBe('text/plain');
      const body = json(r);
      expect(Object.keys(body)).toEqual(['access_token', 'expires_in', 'refresh_token', 'openid', 'scope']);
      expect(body).toEqual({
        access_token: b.access_token,
        expires_in: 7200,
        refresh_token: b.refresh_token,
        openid: b.openid,
        scope: 'snsapi_userinfo',
      });
    });

    it.each([
      [
        'no appid',
        41002,
        (t: string): Array<[string, string]> => [
          ['grant_type', 'refresh_token'],
          ['refresh_token', t],
        ],
      ],
      [
        'no refresh_token',
        41003,
        (): Array<[string, string]> => [
          ['appid', mock.apps.mp.appID],
          ['grant_type', 'refresh_token'],
        ],
      ],
      [
        'an unknown appid',
        40013,
        (t: string): Array<[string, string]> => [
          ['appid', 'wx0000000000000000'],
          ['grant_type', 'refresh_token'],
          ['refresh_token', t],
        ],
      ],
      [
        'a wrong grant_type',
        40002,
        (t: string): Array<[string, string]> => [
          ['appid', mock.apps.mp.appID],
          ['grant_type', 'authorization_code'],
          ['refresh_token', t],
        ],
      ],
      [
        'an unknown refresh_token',
        40030,
        (): Array<[string, string]> => [
          ['appid', mock.apps.mp.appID],
          ['grant_type', 'refresh_token'],
          ['refresh_token', '83_nope'],
        ],
      ],
      [
        'a refresh_token of another app',
        40030,
        (t: string): Array<[string, string]> => [
          ['appid', mock.apps.web.appID],
          ['grant_type', 'refresh_token'],
          ['refresh_token', t],
        ],
      ],
    ])('answers %s with %i', async (_n, errcode, params) => {
      const b = await login(mock, 'mp');
      expectErr(await sns('/sns/oauth2/refresh_token', params(b.refresh_token)), errcode);
    });

    describe('with short token lifetimes', () => {
      let short: MockWeChat;
      beforeAll(async () => {
        short = await createMockWeChat({ tokenTtlSeconds: { access: 0.2, refresh: 0.5 } });
      });
      afterAll(() => short.close());

      it('answers 42002 once the refresh token expired', async () => {
        const b = await login(short, 'mp');
        await sleep(600);
        expectErr(
          await get(
            `${short.url}/sns/oauth2/refresh_token?${qs([
              ['appid', short.apps.mp.appID],
              ['grant_type', 'refresh_token'],
              ['refresh_token', b.refresh_token],
            ])}`,
          ),
          42002,
        );
      });

      it('answers 42001 for an expired access token on /sns/auth and /sns/userinfo', async () => {
        const b = await login(short, 'mp');
        await sleep(300);
        expectErr(
          await get(
            `${short.url}/sns/auth?${qs([
              ['access_token', b.access_token],
              ['openid', b.openid],
            ])}`,
          ),
          42001,
        );
        expectErr(
          await get(
            `${short.url}/sns/userinfo?${qs([
              ['access_token', b.access_token],
              ['openid', b.openid],
            ])}`,
          ),
          42001,
        );
      });
    });

    describe('with a 2 s access-token lifetime', () => {
      // Sleeps only ever run late, so a step that must land *after* an expiry
      // is safe with a short lifetime; a step that must land *before* one needs
      // room for a loaded CI machine's stalls: here 800 ms or more.
      let medium: MockWeChat;
      beforeAll(async () => {
        medium = await createMockWeChat({ tokenTtlSeconds: { access: 2, refresh: 10 } });
      });
      afterAll(() => medium.close());

      it('mints a new access token once the old one expired, and 42001 for the old one', async () => {
        const b = await login(medium, 'mp');
        await sleep(2200);
        const r = json(
          await get(
            `${medium.url}/sns/oauth2/refresh_token?${qs([
              ['appid', medium.apps.mp.appID],
              ['grant_type', 'refresh_token'],
              ['refresh_token', b.refresh_token],
            ])}`,
          ),
        );
        expect(r.access_token).toMatch(TOKEN_RE);
        expect(r.access_token).not.toBe(b.access_token);
        expect(r.refresh_token).toBe(b.refresh_token);
        const auth = (t: string): Promise<HttpResult> =>
          get(
            `${medium.url}/sns/auth?${qs([
              ['access_token', t],
              ['openid', b.openid],
            ])}`,
          );
        expect(json(await auth(r.access_token as string)).errcode).toBe(0);
        // The replaced token is forgotten entirely.
        expectErr(await auth(b.access_token), 40014);
      });

      it('extends (not replaces) a still-valid access token on refresh', async () => {
        const b = await login(medium, 'mp');
        await sleep(1200);
        const r = json(
          await get(
            `${medium.url}/sns/oauth2/refresh_token?${qs([
              ['appid', medium.apps.mp.appID],
              ['grant_type', 'refresh_token'],
              ['refresh_token', b.refresh_token],
            ])}`,
          ),
        );
        expect(r.access_token).toBe(b.access_token);
        await sleep(1200);
        // 2.4 s after issue (past its first expiry) but only 1.2 s after the refresh: still valid.
        expect(
          json(
            await get(
              `${medium.url}/sns/auth?${qs([
                ['access_token', b.access_token],
                ['openid', b.openid],
              ])}`,
            ),
          ).errcode,
        ).toBe(0);
      });
    });
  });

  describe('GET /sns/auth', () => {
    it('answers {"errcode":0,"errmsg":"ok"} for a valid token and its openid', async () => {
      const b = await login(mock, 'mp');
      const r = await sns('/sns/auth', [
        ['access_token', b.access_token],
        ['openid', b.openid],
      ]);
      expect(r.body).toBe('{"errcode":0,"errmsg":"ok"}');
    });

    it.each([
      ['no access_token', 41001, (b: WeChatTokenResponse): Array<[string, string]> => [['openid', b.openid]]],
      ['no openid', 41009, (b: WeChatTokenResponse): Array<[string, string]> => [['access_token', b.access_token]]],
      [
        'an unknown token',
        40014,
        (b: WeChatTokenResponse): Array<[string, string]> => [
          ['access_token', '83_x'],
          ['openid', b.openid],
        ],
      ],
      [
        'another user’s openid',
        40003,
        (b: WeChatTokenResponse): Array<[string, string]> => [
          ['access_token', b.access_token],
          ['openid', mock.openidOf('mp', 'bob')],
        ],
      ],
    ])('answers %s with %i', async (_n, errcode, params) => {
      const b = await login(mock, 'mp');
      expectErr(await sns('/sns/auth', params(b)), errcode);
    });
  });

  describe('GET /sns/userinfo', () => {
    it('answers the post-2021 profile in WeChat field order with unionid last', async () => {
      const b = await login(mock, 'mp', { user: 'bob' });
      const r = await sns('/sns/userinfo', [
        ['access_token', b.access_token],
        ['openid', b.openid],
        ['lang', 'zh_CN'],
      ]);
      expect(r.headers['content-type']).toBe('text/plain');
      const body = json(r);
      expect(Object.keys(body)).toEqual([
        'openid',
        'nickname',
        'sex',
        'language',
        'city',
        'province',
        'country',
        'headimgurl',
        'privilege',
        'unionid',
      ]);
      expect(body).toEqual({
        openid: mock.openidOf('mp', 'bob'),
        nickname: 'Bob 鲍勃',
        sex: 0,
        language: '',
        city: '',
        province: '',
        country: '',
        headimgurl: `${mock.url}/avatar/bob.svg`,
        privilege: [],
        unionid: b.unionid,
      });
    });

    it('serves the avatar it points at', async () => {
      const b = await login(mock, 'web');
      const info = json(
        await sns('/sns/userinfo', [
          ['access_token', b.access_token],
          ['openid', b.openid],
        ]),
      );
      const avatar = await get(info.headimgurl as string);
      expect(avatar.status).toBe(200);
      expect(avatar.headers['content-type']).toBe('image/svg+xml');
      expect(avatar.body).toMatch(/^<svg[^>]*>.*<circle.*>A<\/text><\/svg>$/);
    });

    it('answers 48001 for a snsapi_base token', async () => {
      const b = await login(mock, 'mp', { scope: 'snsapi_base' });
      expectErr(
        await sns('/sns/userinfo', [
          ['access_token', b.access_token],
          ['openid', b.openid],
        ]),
        48001,
      );
    });

    it.each([
      ['no access_token', 41001, (b: WeChatTokenResponse): Array<[string, string]> => [['openid', b.openid]]],
      ['no openid', 41009, (b: WeChatTokenResponse): Array<[string, string]> => [['access_token', b.access_token]]],
      [
        'an unknown token',
        40014,
        (b: WeChatTokenResponse): Array<[string, string]> => [
          ['access_token', '83_x'],
          ['openid', b.openid],
        ],
      ],
      [
        'a mismatched openid',
        40003,
        (b: WeChatTokenResponse): Array<[string, string]> => [
          ['access_token', b.access_token],
          ['openid', mock.openidOf('web', 'alice')],
        ],
      ],
    ])('answers %s with %i', async (_n, errcode, params) => {
      const b = await login(mock, 'mp');
      expectErr(await sns('/sns/userinfo', params(b)), errcode);
    });

    it('gives the snapshot user a virtual profile by default', async () => {
      const b = await login(mock, 'mp', { user: 'snapshot' });
      const body = json(
        await sns('/sns/userinfo', [
          ['access_token', b.access_token],
          ['openid', b.openid],
        ]),
      );
      expect(body.openid).toBe(b.openid);
      expect(body.unionid).toBe(b.unionid);
      expect(body.nickname).toBe('微信用户');
      expect(body.headimgurl).toBe(`${mock.url}/avatar/_virtual.svg`);
      expect(body).not.toHaveProperty('is_snapshotuser');
      expect((await get(body.headimgurl as string)).body).toContain('#b2b2b2');
    });

    describe('for an app not bound to the Open Platform', () => {
      let unbound: MockWeChat;
      beforeAll(async () => {
        unbound = await createMockWeChat({
          apps: { mp: { boundToOpenPlatform: false }, web: { boundToOpenPlatform: false } },
          snapshotUserinfo: '48001',
        });
      });
      afterAll(() => unbound.close());

      it('never reveals unionid', async () => {
        for (const client of ['mp', 'web'] as const) {
          const b = await login(unbound, client);
          expect(b).not.toHaveProperty('unionid');
          const info = json(
            await get(
              `${unbound.url}/sns/userinfo?${qs([
                ['access_token', b.access_token],
                ['openid', b.openid],
              ])}`,
            ),
          );
          expect(info).not.toHaveProperty('unionid');
          expect(info.nickname).toBe('Alice 爱丽丝');
        }
      });

      it('answers 48001 for snapshot tokens when snapshotUserinfo is 48001', async () => {
        const b = await login(unbound, 'mp', { user: 'snapshot' });
        expectErr(
          await get(
            `${unbound.url}/sns/userinfo?${qs([
              ['access_token', b.access_token],
              ['openid', b.openid],
            ])}`,
          ),
          48001,
        );
      });
    });
  });

  describe('GET /sns/jscode2session', () => {
    const session = (code: string, over: Record<string, string | null> = {}): Promise<HttpResult> => {
      const base: Record<string, string | null> = {
        appid: mock.apps.mp.appID,
        secret: mock.apps.mp.appSecret,
        js_code: code,
        grant_type: 'authorization_code',
        ...over,
      };
      return sns(
        '/sns/jscode2session',
        Object.entries(base).filter((e): e is [string, string] => e[1] !== null),
      );
    };

    it('answers application/json {session_key, openid, unionid} for a code of the same app, once', async () => {
      const code = await obtainCode(mock, 'mp');
      const r = await session(code);
      expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
      const body = json(r);
      expect(Object.keys(body)).toEqual(['session_key', 'openid', 'unionid']);
      expect(body.session_key).toMatch(/^[A-Za-z0-9+/]{22}==$/);
      expect(body.openid).toBe(mock.openidOf('mp', 'alice'));
      expectErr(await session(code), 40163);
      expect((await session(code)).headers['content-type']).toBe('application/json; charset=utf-8');
    });

    it.each([
      ['no appid', 41002, { appid: null }],
      ['no secret', 41004, { secret: null }],
      ['no js_code', 41008, { js_code: null }],
      ['an unknown appid', 40013, { appid: 'wx0000000000000000' }],
      ['a wrong secret', 40125, { secret: 'f'.repeat(32) }],
      ['a wrong grant_type', 40002, { grant_type: 'x' }],
      ['an unknown code', 40029, { js_code: 'nope' }],
    ])('answers %s with %i', async (_n, errcode, over) => {
      expectErr(await session('whatever', over), errcode);
    });
  });

  describe('routing', () => {
    it('answers 404 for unknown /sns paths and 405 for non-GET API calls', async () => {
      expect((await get(`${mock.url}/sns/oauth2/component/access_token`)).status).toBe(404);
      expect((await get(`${mock.url}/api2/connect/oauth2/authorize`)).status).toBe(404);
      const post = await request(`${mock.url}/sns/oauth2/access_token`, { method: 'POST', body: '' });
      expect(post.status).toBe(405);
      expect(post.headers.allow).toBe('GET');
    });
  });
});

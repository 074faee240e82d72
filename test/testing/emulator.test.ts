import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { authorizeURL, exchange, get, json, obtainCode, postForm, request } from './helpers';

const FIXTURES = path.join(__dirname, '..', 'fixtures', 'testing');

describe('createMockWeChat()', () => {
  describe('with default options', () => {
    let mock: MockWeChat;
    beforeAll(async () => {
      mock = await createMockWeChat();
    });
    afterAll(() => mock.close());
    beforeEach(() => mock.reset());

    it('exposes exactly the documented members', () => {
      expect(Object.keys(mock).sort()).toEqual(
        [
          'apiBaseURL',
          'apps',
          'authorizationURL',
          'close',
          'openidOf',
          'qrconnectURL',
          'reset',
          'setAutoConsent',
          'setFault',
          'url',
          'users',
          'miniProgramLogin',
          'appLogin',
          'phoneCode',
          'encryptedDataFor',
          'setUserBlocked',
          'wecom',
          'wecomUsers',
          'setWeComAutoConsent',
          'configureWeCom',
          'expireWeComTokens',
          'revokeWeComTokens',
          'wecomCode',
          'stats',
        ].sort(),
      );
    });

    it('listens on 127.0.0.1 and derives the endpoint URLs from url', () => {
      expect(mock.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(mock.authorizationURL).toBe(`${mock.url}/connect/oauth2/authorize`);
      expect(mock.qrconnectURL).toBe(`${mock.url}/connect/qrconnect`);
      expect(mock.apiBaseURL).toEqual([mock.url, `${mock.url}/api2`]);
      expect(Object.isFrozen(mock.apiBaseURL)).toBe(true);
    });

    it('has fixed, documented credentials shaped like real ones', () => {
      // The WeCom agents have their own shape and spec (wecom.test.ts).
      const { wecom: _wecom, wecomOther: _wecomOther, ...wechatApps } = mock.apps;
      expect(wechatApps).toEqual({
        mp: { appID: 'wxmock00000000mp01', appSecret: '6d6f636b2d6d702d7365637265743031' },
        web: { appID: 'wxmock0000000web01', appSecret: '6d6f636b2d7765622d73656372657431' },
        miniprogram: { appID: 'wxmock000000mini01', appSecret: '6d6f636b2d6d696e692d736563726574' },
        app: { appID: 'wxmock0000000app01', appSecret: '6d6f636b2d6170702d73656372657431' },
      });
      for (const app of Object.values(wechatApps)) {
        expect(app.appID).toMatch(/^wx[a-z0-9]{16}$/);
        expect(app.appSecret).toMatch(/^[0-9a-f]{32}$/);
      }
    });

    it('has two ordinary users and a snapshot user', () => {
      expect(mock.users.map((u) => [u.key, u.nickname, u.snapshot])).toEqual([
        ['alice', 'Alice 爱丽丝', false],
        ['bob', 'Bob 鲍勃', false],
        ['snapshot', '微信用户', true],
      ]);
      for (const u of mock.users) expect(u.unionid).toMatch(/^o[A-Za-z0-9_-]{27}$/);
      expect(new Set(mock.users.map((u) => u.unionid)).size).toBe(3);
    });

    describe('openidOf', () => {
      it('is 28 chars starting with o, per app and per user', () => {
        const ids = ['mp', 'web'].flatMap((c) => mock.users.map((u) => mock.openidOf(c as 'mp' | 'web', u.key)));
        for (const id of ids) expect(id).toMatch(/^o[A-Za-z0-9_-]{27}$/);
        expect(new Set(ids).size).toBe(ids.length);
      });

      it('is deterministic across emulator instances', async () => {
        const other = await createMockWeChat();
        try {
          expect(other.openidOf('mp', 'alice')).toBe(mock.openidOf('mp', 'alice'));
          expect(other.users[0].unionid).toBe(mock.users[0].unionid);
        } finally {
          await other.close();
        }
      });

      it('rejects unknown clients and users', () => {
        expect(() => mock.openidOf('desktop' as 'mp', 'alice')).toThrow(/unknown client/);
        expect(() => mock.openidOf('mp', 'mallory')).toThrow(/unknown user/);
      });
    });

    describe('GET /__mock/stats', () => {
      it('counts requests per pathname and accepted TCP connections', async () => {
        const code = await obtainCode(mock, 'mp');
        await exchange(mock, 'mp', code);
        await exchange(mock, 'mp', code, mock.apiBaseURL[1]);
        await get(`${mock.url}/nope`);
        const r = await get(`${mock.url}/__mock/stats`);
        expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
        const stats = json(r);
        expect(stats.requests).toEqual({
          '/connect/oauth2/authorize': 1,
          '/connect/confirm': 1,
          '/sns/oauth2/access_token': 1,
          '/api2/sns/oauth2/access_token': 1,
        });
        // Every helper request opens its own connection; the stats request itself is the sixth.
        expect(stats.connections).toBe(6);
        expect(stats).not.toHaveProperty('tlsSessions');
      });

      it('is zeroed by POST /__mock/reset-stats but not by GET', async () => {
        await get(`${mock.url}/sns/auth`);
        expect((await get(`${mock.url}/__mock/reset-stats`)).status).toBe(405);
        expect((await request(`${mock.url}/__mock/reset-stats`, { method: 'POST' })).body).toBe('{"ok":true}');
        expect(json(await get(`${mock.url}/__mock/stats`))).toEqual({
          requests: {},
          connections: 1,
          wecomGettoken: {},
        });
      });

      it('405 for POST, 404 for unknown control paths', async () => {
        expect((await request(`${mock.url}/__mock/stats`, { method: 'POST' })).status).toBe(405);
        expect((await get(`${mock.url}/__mock/nothing`)).status).toBe(404);
        expect((await request(`${mock.url}/__mock/nothing`, { method: 'POST' })).status).toBe(404);
      });
    });

    describe('HTTP control endpoints for other processes', () => {
      it('POST /__mock/fault arms a fault', async () => {
        const r = await request(`${mock.url}/__mock/fault?path=/sns/auth&kind=-1&count=1`, { method: 'POST' });
        expect(json(r)).toEqual({ ok: true });
        expect(json(await get(`${mock.url}/sns/auth`)).errcode).toBe(-1);
        expect(json(await get(`${mock.url}/sns/auth`)).errcode).toBe(41001);
        await request(`${mock.url}/__mock/fault?path=/sns/auth&kind=502`, { method: 'POST' });
        expect((await get(`${mock.url}/sns/auth`)).status).toBe(502);
      });

      it('POST /__mock/fault rejects bad input with 400', async () => {
        expect((await request(`${mock.url}/__mock/fault?path=/sns/auth&kind=boom`, { method: 'POST' })).status).toBe(
          400,
        );
        expect((await request(`${mock.url}/__mock/fault?kind=502`, { method: 'POST' })).status).toBe(400);
      });

      it('POST /__mock/reset resets like reset()', async () => {
        const code = await obtainCode(mock, 'mp');
        expect((await request(`${mock.url}/__mock/reset`, { method: 'POST' })).status).toBe(200);
        expect(json(await exchange(mock, 'mp', code)).errcode).toBe(40029);
      });
    });

    it('reset() forgets issued codes and tokens and zeroes counters', async () => {
      const code = await obtainCode(mock, 'mp');
      const tokens = json(await exchange(mock, 'mp', code));
      const code2 = await obtainCode(mock, 'mp');
      mock.reset();
      expect(json(await exchange(mock, 'mp', code2)).errcode).toBe(40029);
      expect(
        json(await get(`${mock.url}/sns/auth?access_token=${tokens.access_token}&openid=${tokens.openid}`)).errcode,
      ).toBe(40014);
      expect(json(await get(`${mock.url}/__mock/stats`)).requests).toEqual({
        '/sns/oauth2/access_token': 1,
        '/sns/auth': 1,
      });
    });

    it('serves avatars of known users only', async () => {
      expect((await get(`${mock.url}/avatar/alice.svg`)).headers['cache-control']).toBe('public, max-age=86400');
      expect((await get(`${mock.url}/avatar/mallory.svg`)).status).toBe(404);
      expect((await get(`${mock.url}/`)).status).toBe(404);
    });

    it('answers 500 (not a crash) when a handler fails, e.g. an oversized consent form', async () => {
      const r = await postForm(`${mock.url}/connect/confirm`, { uuid: 'x', pad: 'x'.repeat(20_000) }).then(
        (res) => String(res.status),
        (e: Error) => e.message,
      );
      expect(r).toBe('500');
      expect((await get(`${mock.url}/avatar/alice.svg`)).status).toBe(200);
    });
  });

  describe('options', () => {
    it('overrides app credentials and users', async () => {
      const m = await createMockWeChat({
        apps: { mp: { appID: 'wx1111111111111111', appSecret: 'a'.repeat(32) } },
        users: [{ key: 'carol', nickname: 'Carol 卡罗尔', unionid: 'oCAROL' }],
      });
      try {
        expect(m.apps.mp).toEqual({ appID: 'wx1111111111111111', appSecret: 'a'.repeat(32) });
        expect(m.apps.web.appID).toBe('wxmock0000000web01');
        expect(m.users).toEqual([
          {
            key: 'carol',
            nickname: 'Carol 卡罗尔',
            unionid: 'oCAROL',
            snapshot: false,
            phoneNumber: expect.stringMatching(/^13\d{9}$/),
          },
        ]);
        const r = await get(authorizeURL(m, 'mp', { scope: 'snsapi_base' }));
        const code = new URL(r.headers.location as string).searchParams.get('code') as string;
        expect(json(await exchange(m, 'mp', code)).openid).toBe(m.openidOf('mp', 'carol'));
      } finally {
        await m.close();
      }
    });

    it.each([
      ['duplicate appIDs', { apps: { web: { appID: 'wxmock00000000mp01' } } }, /different appIDs/],
      ['a bad user key', { users: [{ key: 'a b', nickname: 'x' }] }, /must match/],
      [
        'duplicate user keys',
        {
          users: [
            { key: 'a', nickname: 'x' },
            { key: 'a', nickname: 'y' },
          ],
        },
        /duplicate user key/,
      ],
      ['only snapshot users', { users: [{ key: 's', nickname: 'x', snapshot: true }] }, /non-snapshot user/],
    ])('rejects %s', async (_n, options, message) => {
      await expect(createMockWeChat(options)).rejects.toThrow(message);
    });

    it('rejects when the port is taken', async () => {
      const m = await createMockWeChat();
      try {
        const port = Number(new URL(m.url).port);
        await expect(createMockWeChat({ port })).rejects.toThrow(/EADDRINUSE/);
      } finally {
        await m.close();
      }
    });

    it('reports 127.0.0.1 in url when bound to 0.0.0.0', async () => {
      const m = await createMockWeChat({ host: '0.0.0.0' });
      try {
        expect(m.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
        expect((await get(`${m.url}/avatar/alice.svg`)).status).toBe(200);
      } finally {
        await m.close();
      }
    });

    describe('tls', () => {
      const key = fs.readFileSync(path.join(FIXTURES, 'tls-key.pem'), 'utf8');
      const cert = fs.readFileSync(path.join(FIXTURES, 'tls-cert.pem'), 'utf8');
      let m: MockWeChat;
      beforeAll(async () => {
        m = await createMockWeChat({ tls: { key, cert } });
      });
      afterAll(() => m.close());

      it('serves HTTPS and counts TLS sessions', async () => {
        expect(m.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
        const code = await get(authorizeURL(m, 'mp', { scope: 'snsapi_base' }), { ca: cert });
        expect(code.status).toBe(302);
        const stats = json(await get(`${m.url}/__mock/stats`, { ca: cert }));
        expect(stats.tlsSessions).toEqual({ full: expect.any(Number), resumed: expect.any(Number) });
        const s = stats.tlsSessions as { full: number; resumed: number };
        expect(s.full + s.resumed).toBe(2);
      });
    });
  });

  describe('close()', () => {
    it('destroys idle keep-alive sockets, is idempotent, and stops listening', async () => {
      const m = await createMockWeChat();
      const agent = new http.Agent({ keepAlive: true });
      try {
        await new Promise<void>((resolve, reject) => {
          http
            .get(`${m.url}/avatar/alice.svg`, { agent }, (res) => res.resume().on('end', resolve))
            .on('error', reject);
        });
        const started = Date.now();
        await Promise.all([m.close(), m.close()]);
        expect(Date.now() - started).toBeLessThan(1000);
        await expect(get(`${m.url}/avatar/alice.svg`)).rejects.toThrow(/ECONNREFUSED/);
      } finally {
        agent.destroy();
      }
    });
  });
});

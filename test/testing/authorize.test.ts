import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import {
  authorizeURL,
  CALLBACK,
  get,
  locationQuery,
  postForm,
  qs,
  request,
  uuidFrom,
  type HttpResult,
} from './helpers';

/** Asserts a WeChat-style error page (no redirect) showing `zh` and optionally an error code. */
function expectErrorPage(r: HttpResult, zh: string, code?: number): void {
  expect(r.status).toBe(200);
  expect(r.headers.location).toBeUndefined();
  expect(r.headers['content-type']).toBe('text/html; charset=utf-8');
  expect(r.body).toContain('data-page="error"');
  expect(r.body).toContain(zh);
  if (code !== undefined) expect(r.body).toContain(`错误码 Error code: ${code}`);
}

describe('WeChat emulator authorize endpoints', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  const mpParams = (): Array<[string, string]> => [
    ['appid', mock.apps.mp.appID],
    ['redirect_uri', CALLBACK],
    ['response_type', 'code'],
    ['scope', 'snsapi_userinfo'],
    ['state', 'abc'],
  ];
  const mpAuthorize = (params: Array<[string, string]>): Promise<HttpResult> =>
    get(`${mock.authorizationURL}?${qs(params)}`);

  describe('GET /connect/oauth2/authorize (Official Account)', () => {
    describe('with a valid snsapi_userinfo request', () => {
      let page: HttpResult;
      beforeEach(async () => {
        page = await get(authorizeURL(mock, 'mp', { state: 'xyz789' }));
      });

      it('renders the bilingual consent page', () => {
        expect(page.status).toBe(200);
        expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
        expect(page.body).toContain('data-page="consent"');
        expect(page.body).toContain(
          '<button type="submit" name="decision" value="allow" id="allow">允许 Allow</button>',
        );
        expect(page.body).toContain('<button type="submit" name="decision" value="deny" id="deny">拒绝 Deny</button>');
      });

      it('offers every test user as a radio with avatar, alice preselected', () => {
        for (const u of mock.users) {
          expect(page.body).toContain(`id="user-${u.key}" value="${u.key}"`);
          expect(page.body).toContain(`data-user="${u.key}"`);
          expect(page.body).toContain(`/avatar/${u.key}.svg`);
        }
        expect(page.body).toContain('id="user-alice" value="alice" checked');
        expect(page.body).toContain('Bob 鲍勃');
      });

      it('redirects to the callback with a code and the state when allowed', async () => {
        const r = await postForm(`${mock.url}/connect/confirm`, {
          uuid: uuidFrom(page.body),
          user: 'bob',
          decision: 'allow',
        });
        expect(r.status).toBe(302);
        expect(r.headers.location).toMatch(new RegExp(`^${CALLBACK}\\?code=[A-Za-z0-9]{32}&state=xyz789$`));
      });

      it('redirects with state only when denied (denyBehavior redirect)', async () => {
        const r = await postForm(`${mock.url}/connect/confirm`, { uuid: uuidFrom(page.body), decision: 'deny' });
        expect(r.status).toBe(302);
        expect(r.headers.location).toBe(`${CALLBACK}?state=xyz789`);
      });

      it('accepts one decision per page only', async () => {
        const uuid = uuidFrom(page.body);
        expect((await postForm(`${mock.url}/connect/confirm`, { uuid, decision: 'allow' })).status).toBe(302);
        expectErrorPage(await postForm(`${mock.url}/connect/confirm`, { uuid, decision: 'allow' }), '二维码已失效');
      });

      it('rejects unknown users and decisions with 400', async () => {
        const uuid = uuidFrom(page.body);
        const badUser = await postForm(`${mock.url}/connect/confirm`, { uuid, user: 'mallory', decision: 'allow' });
        expect(badUser.status).toBe(400);
        expect(badUser.body).toContain('未知的测试用户');
        const badDecision = await postForm(`${mock.url}/connect/confirm`, { uuid, decision: 'maybe' });
        expect(badDecision.status).toBe(400);
        expect(badDecision.body).toContain('decision must be allow or deny');
      });

      it('completes with GET /connect/confirm?uuid&user&decision too', async () => {
        const r = await get(
          `${mock.url}/connect/confirm?${qs([
            ['uuid', uuidFrom(page.body)],
            ['user', 'alice'],
            ['decision', 'allow'],
          ])}`,
        );
        expect(locationQuery(r).get('code')).toMatch(/^[A-Za-z0-9]{32}$/);
      });
    });

    it('approves snsapi_base silently as the first ordinary user', async () => {
      const r = await get(authorizeURL(mock, 'mp', { scope: 'snsapi_base', state: 's1' }));
      expect(r.status).toBe(302);
      expect(locationQuery(r).get('state')).toBe('s1');
      expect(locationQuery(r).get('code')).toMatch(/^[A-Za-z0-9]{32}$/);
    });

    it('omits state from the callback when the request had none', async () => {
      const r = await get(authorizeURL(mock, 'mp', { scope: 'snsapi_base' }));
      expect(r.headers.location).toMatch(new RegExp(`^${CALLBACK}\\?code=[A-Za-z0-9]{32}$`));
    });

    describe('callback URL construction', () => {
      it.each([
        [
          'appends with & to an existing query',
          'http://localhost:3000/cb?from=menu',
          /^http:\/\/localhost:3000\/cb\?from=menu&code=\w{32}&state=st$/,
        ],
        [
          'inserts before a #fragment',
          'http://localhost:3000/#/user?x=1',
          /^http:\/\/localhost:3000\/\?code=\w{32}&state=st#\/user\?x=1$/,
        ],
        [
          'inserts before a fragment after a query',
          'http://127.0.0.1:8080/app?a=1#/p',
          /^http:\/\/127\.0\.0\.1:8080\/app\?a=1&code=\w{32}&state=st#\/p$/,
        ],
        ['does not double a trailing ?', 'http://localhost/cb?', /^http:\/\/localhost\/cb\?code=\w{32}&state=st$/],
      ])('%s', async (_n, redirectURI, expected) => {
        const r = await get(authorizeURL(mock, 'mp', { scope: 'snsapi_base', state: 'st', redirectURI }));
        expect(r.headers.location).toMatch(expected);
      });

      it('puts the state-only deny redirect before the fragment as well', async () => {
        mock.setAutoConsent({ user: 'alice', decision: 'deny' });
        const r = await get(authorizeURL(mock, 'mp', { state: 'st', redirectURI: 'http://localhost:3000/#/login' }));
        expect(r.headers.location).toBe('http://localhost:3000/?state=st#/login');
      });
    });

    describe('validation error pages', () => {
      const without = (key: string): Array<[string, string]> => mpParams().filter(([k]) => k !== key);
      const withValue = (key: string, value: string): Array<[string, string]> =>
        mpParams().map(([k, v]) => [k, k === key ? value : v]);

      it('10012 when appid is missing', async () =>
        expectErrorPage(await mpAuthorize(without('appid')), 'appid不能为空', 10012));
      it('10011 when redirect_uri is missing', async () =>
        expectErrorPage(await mpAuthorize(without('redirect_uri')), 'redirect_uri不能为空', 10011));
      it('10010 when scope is empty', async () =>
        expectErrorPage(await mpAuthorize(withValue('scope', '')), 'scope不能为空', 10010));
      it('10005 for a scope the app may not use', async () =>
        expectErrorPage(await mpAuthorize(withValue('scope', 'snsapi_login')), '此公众号并没有这些scope的权限', 10005));
      it('40013 page for an unknown appid', async () =>
        expectErrorPage(await mpAuthorize(withValue('appid', 'wx0000000000000000')), '该链接无法访问', 40013));
      it('10016 for a website-app appid', async () =>
        expectErrorPage(
          await mpAuthorize(withValue('appid', mock.apps.web.appID)),
          '不支持微信开放平台的Appid',
          10016,
        ));
      it('an error page for response_type other than code', async () =>
        expectErrorPage(await mpAuthorize(withValue('response_type', 'token')), 'response_type 参数错误'));

      it('10003 for a redirect_uri outside the allowed domains (no subdomain match)', async () => {
        expectErrorPage(
          await mpAuthorize(withValue('redirect_uri', 'http://evil.example/cb')),
          'redirect_uri域名与后台配置不一致',
          10003,
        );
        expectErrorPage(
          await mpAuthorize(withValue('redirect_uri', 'http://sub.localhost/cb')),
          'redirect_uri域名与后台配置不一致',
          10003,
        );
        expectErrorPage(
          await mpAuthorize(withValue('redirect_uri', 'not a url')),
          'redirect_uri域名与后台配置不一致',
          10003,
        );
      });

      it('accepts ports on allowed hosts (documented deviation)', async () => {
        expect((await mpAuthorize(withValue('redirect_uri', 'http://127.0.0.1:65000/cb'))).body).toContain(
          'data-page="consent"',
        );
      });

      it('"state参数过长" for a state over 128 bytes or with non-alphanumerics', async () => {
        expectErrorPage(await mpAuthorize(withValue('state', 'a'.repeat(129))), 'state参数过长');
        expectErrorPage(await mpAuthorize(withValue('state', 'a-b')), 'state参数过长');
        expect((await mpAuthorize(withValue('state', 'a'.repeat(128)))).body).toContain('data-page="consent"');
      });

      it('"Scope 参数错误或没有 Scope 权限" for parameters out of canonical order', async () => {
        const p = mpParams();
        expectErrorPage(await mpAuthorize([p[2], p[0], p[1], p[3], p[4]]), 'Scope 参数错误或没有 Scope 权限');
        expectErrorPage(
          await mpAuthorize([p[0], p[1], p[2], ['connect_redirect', '1'], p[3], p[4]]),
          'Scope 参数错误或没有 Scope 权限',
        );
      });

      it('accepts extra parameters after the canonical ones', async () => {
        const r = await mpAuthorize([...mpParams(), ['connect_redirect', '1'], ['forcePopup', 'true'], ['uin', 'x']]);
        expect(r.body).toContain('data-page="consent"');
      });

      it('accepts any order when strictParamOrder is false', async () => {
        const lax = await createMockWeChat({ strictParamOrder: false });
        try {
          const p = mpParams().map(([k, v]): [string, string] => [k, k === 'appid' ? lax.apps.mp.appID : v]);
          const r = await get(`${lax.authorizationURL}?${qs([p[3], p[2], p[1], p[0], p[4]])}`);
          expect(r.body).toContain('data-page="consent"');
        } finally {
          await lax.close();
        }
      });

      it('405 for non-GET requests', async () => {
        expect((await request(authorizeURL(mock, 'mp'), { method: 'POST', body: '' })).status).toBe(405);
      });
    });
  });

  describe('GET /connect/qrconnect (website app)', () => {
    describe('with a valid request', () => {
      let page: HttpResult;
      beforeEach(async () => {
        page = await get(authorizeURL(mock, 'web', { state: 'web-state_with.any~chars' }));
      });

      it('shows a real QR image (data: URL) encoding the confirm URL', () => {
        expect(page.status).toBe(200);
        expect(page.body).toContain('data-page="qrconnect"');
        expect(page.body).toMatch(/<img class="qrcode" id="qrcode" src="data:image\/png;base64,[A-Za-z0-9+/=]{200,}"/);
        expect(page.body).toContain(`data-confirm-url="${mock.url}/connect/confirm?uuid=${uuidFrom(page.body)}"`);
      });

      it('has a "模拟扫码 Simulate scan" button that opens the consent UI', async () => {
        expect(page.body).toContain('id="simulate-scan">模拟扫码 Simulate scan</button>');
        const consent = await get(`${mock.url}/connect/confirm?uuid=${uuidFrom(page.body)}`);
        expect(consent.body).toContain('data-page="consent"');
        expect(consent.body).toContain('snsapi_login');
        const r = await postForm(`${mock.url}/connect/confirm`, {
          uuid: uuidFrom(consent.body),
          user: 'bob',
          decision: 'allow',
        });
        expect(locationQuery(r).get('state')).toBe('web-state_with.any~chars');
      });
    });

    it('does not apply the Official Account state rule to website apps', async () => {
      const r = await get(authorizeURL(mock, 'web', { state: 'x'.repeat(300) }));
      expect(r.body).toContain('data-page="qrconnect"');
    });

    it('shows "Scope 参数错误或没有 Scope 权限" for an Official Account appid', async () => {
      expectErrorPage(
        await get(authorizeURL(mock, 'web', { appid: mock.apps.mp.appID })),
        'Scope 参数错误或没有 Scope 权限',
      );
    });

    it('10005 for snsapi_userinfo on a website app', async () => {
      expectErrorPage(
        await get(authorizeURL(mock, 'web', { scope: 'snsapi_userinfo' })),
        '此公众号并没有这些scope的权限',
        10005,
      );
    });

    it('accepts the wxLogin.js iframe URL (own order, no response_type)', async () => {
      const url = `${mock.qrconnectURL}?${qs([
        ['appid', mock.apps.web.appID],
        ['scope', 'snsapi_login'],
        ['redirect_uri', CALLBACK],
        ['state', 's'],
        ['login_type', 'jssdk'],
        ['self_redirect', 'default'],
      ])}`;
      expect((await get(url)).body).toContain('data-page="qrconnect"');
    });
  });

  describe('/connect/confirm', () => {
    it('shows the expired page for an unknown uuid', async () => {
      expectErrorPage(await get(`${mock.url}/connect/confirm?uuid=nope`), '二维码已失效');
    });

    it('uses the default user when the form names none', async () => {
      const page = await get(authorizeURL(mock, 'mp'));
      const r = await postForm(`${mock.url}/connect/confirm`, { uuid: uuidFrom(page.body), decision: 'allow' });
      expect(r.status).toBe(302);
    });

    it('405 for other methods', async () => {
      expect((await request(`${mock.url}/connect/confirm`, { method: 'PUT', body: '' })).status).toBe(405);
    });
  });

  describe('setAutoConsent', () => {
    it('answers both endpoints at once as the chosen user', async () => {
      mock.setAutoConsent({ user: 'bob', decision: 'allow' });
      for (const client of ['mp', 'web'] as const) {
        const r = await get(authorizeURL(mock, client, { state: 'auto' }));
        expect(r.status).toBe(302);
        expect(locationQuery(r).get('state')).toBe('auto');
        expect(locationQuery(r).get('code')).toMatch(/^[A-Za-z0-9]{32}$/);
      }
    });

    it('denies with a state-only redirect', async () => {
      mock.setAutoConsent({ user: 'alice', decision: 'deny' });
      const r = await get(authorizeURL(mock, 'web', { state: 'd' }));
      expect(r.headers.location).toBe(`${CALLBACK}?state=d`);
    });

    it('still validates the request first', async () => {
      mock.setAutoConsent({ user: 'alice', decision: 'allow' });
      expectErrorPage(
        await get(authorizeURL(mock, 'mp', { redirectURI: 'https://example.com/cb' })),
        'redirect_uri域名',
        10003,
      );
    });

    it('is cleared by setAutoConsent(null) and by reset()', async () => {
      mock.setAutoConsent({ user: 'alice', decision: 'allow' });
      mock.setAutoConsent(null);
      expect((await get(authorizeURL(mock, 'mp'))).status).toBe(200);
      mock.setAutoConsent({ user: 'alice', decision: 'allow' });
      mock.reset();
      expect((await get(authorizeURL(mock, 'mp'))).status).toBe(200);
    });

    it('rejects unknown users and decisions', () => {
      expect(() => mock.setAutoConsent({ user: 'mallory', decision: 'allow' })).toThrow(/unknown user/);
      expect(() => mock.setAutoConsent({ user: 'alice', decision: 'maybe' as 'allow' })).toThrow(/decision/);
    });
  });

  describe('with denyBehavior "stay"', () => {
    let stay: MockWeChat;
    beforeAll(async () => {
      stay = await createMockWeChat({ denyBehavior: 'stay' });
    });
    afterAll(() => stay.close());

    it('stays on a WeChat page instead of calling back', async () => {
      const page = await get(authorizeURL(stay, 'mp', { state: 's' }));
      const r = await postForm(`${stay.url}/connect/confirm`, { uuid: uuidFrom(page.body), decision: 'deny' });
      expect(r.status).toBe(200);
      expect(r.headers.location).toBeUndefined();
      expect(r.body).toContain('id="denied"');
    });

    it('also for auto-consent denials', async () => {
      stay.setAutoConsent({ user: 'alice', decision: 'deny' });
      const r = await get(authorizeURL(stay, 'web', { state: 's' }));
      expect(r.status).toBe(200);
      expect(r.body).toContain('你已拒绝授权');
    });
  });

  describe('with custom domains', () => {
    it('only accepts the configured callback hosts', async () => {
      const custom = await createMockWeChat({ apps: { mp: { domains: ['App.Example.com'] } } });
      try {
        expectErrorPage(await get(authorizeURL(custom, 'mp', { redirectURI: CALLBACK })), 'redirect_uri域名', 10003);
        const ok = await get(
          authorizeURL(custom, 'mp', { scope: 'snsapi_base', redirectURI: 'https://app.example.com/cb' }),
        );
        expect(ok.headers.location).toMatch(/^https:\/\/app\.example\.com\/cb\?code=/);
      } finally {
        await custom.close();
      }
    });
  });
});

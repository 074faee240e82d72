/**
 * The WeCom login surfaces of the emulator (wecom-protocol.md §1, §7 "Authorize", "Callback URL").
 */
import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { get, json, locationQuery, postForm, uuidFrom, type HttpResult } from './helpers';
import { exchangeWeComCode, qrConnectURL, WECOM_CALLBACK, wecomAuthorizeURL, wwloginURL } from './wecom-helpers';

const CODE_RE = /^[A-Za-z0-9_-]{43}$/;

function page(r: HttpResult): string | undefined {
  return /<body data-page="([^"]+)"/.exec(r.body)?.[1];
}

function errorTitle(r: HttpResult): string | undefined {
  return /<h1 id="error-title">([^<]*)<\/h1>/.exec(r.body)?.[1];
}

async function confirm(mock: MockWeChat, uuid: string, user: string, decision = 'allow'): Promise<HttpResult> {
  return postForm(`${mock.url}/wwopen/confirm`, { uuid, user, decision });
}

describe('WeCom emulator pages', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  describe('in-client authorize (/connect/oauth2/authorize with appid = corpID)', () => {
    describe('snsapi_base', () => {
      it('redirects at once with a 43-char code and the state, as the default member', async () => {
        const r = await get(wecomAuthorizeURL(mock, { state: 'xyz' }));
        expect(r.status).toBe(302);
        const q = locationQuery(r);
        expect(q.get('code')).toMatch(CODE_RE);
        expect(q.get('state')).toBe('xyz');
        expect(json(await exchangeWeComCode(mock, q.get('code') as string))).toMatchObject({ userid: 'ZhangSan' });
      });

      it('keeps the existing query, always emits state (even empty) and inserts before a #fragment', async () => {
        const r = await get(
          wecomAuthorizeURL(mock, { state: null, redirectURI: 'http://localhost:3000/cb?action=get#/login' }),
        );
        expect(r.headers.location).toMatch(
          /^http:\/\/localhost:3000\/cb\?action=get&code=[A-Za-z0-9_-]{43}&state=#\/login$/,
        );
      });

      it('treats snsapi_userinfo as snsapi_base and works without agentid', async () => {
        const r = await get(wecomAuthorizeURL(mock, { scope: 'snsapi_userinfo', agentid: null }));
        expect(r.status).toBe(302);
        expect(locationQuery(r).get('code')).toMatch(CODE_RE);
      });

      it('still serves WeChat Official Account authorization on the same path for a wx appid', async () => {
        const r = await get(
          `${mock.authorizationURL}?appid=${mock.apps.mp.appID}&redirect_uri=${encodeURIComponent(WECOM_CALLBACK)}&response_type=code&scope=snsapi_base&state=s`,
        );
        expect(r.status).toBe(302);
        expect(locationQuery(r).get('code')).toMatch(/^[A-Za-z0-9]{32}$/);
      });
    });

    describe('snsapi_privateinfo', () => {
      let r: HttpResult;
      beforeEach(async () => {
        r = await get(wecomAuthorizeURL(mock, { scope: 'snsapi_privateinfo' }));
      });

      it('shows a consent page with a picker of every test identity', () => {
        expect(r.status).toBe(200);
        expect(page(r)).toBe('consent');
        for (const u of mock.wecomUsers) expect(r.body).toContain(`id="user-${u.key}"`);
        expect(r.body).toContain('id="allow"');
        expect(r.body).toContain('id="deny"');
      });

      it('allow as a member calls back with a code that carries a user_ticket', async () => {
        const cb = await confirm(mock, uuidFrom(r.body), 'lisi');
        const q = locationQuery(cb);
        expect(q.get('state')).toBe('abc123');
        const body = json(await exchangeWeComCode(mock, q.get('code') as string));
        expect(body.userid).toBe('LiSi');
        expect(body.user_ticket).toMatch(/^[A-Za-z0-9_-]{1,512}$/);
      });

      it('a member outside the visible range gets an error page and no callback', async () => {
        const cb = await confirm(mock, uuidFrom(r.body), 'wangwu');
        expect(cb.status).toBe(200);
        expect(page(cb)).toBe('error');
        expect(cb.headers.location).toBeUndefined();
      });

      it('deny stays on a WeCom page by default', async () => {
        const cb = await confirm(mock, uuidFrom(r.body), 'zhangsan', 'deny');
        expect(cb.status).toBe(200);
        expect(page(cb)).toBe('denied');
      });

      it('accepts one decision per sheet', async () => {
        const uuid = uuidFrom(r.body);
        expect((await confirm(mock, uuid, 'zhangsan')).status).toBe(302);
        expect(page(await confirm(mock, uuid, 'zhangsan'))).toBe('error');
      });

      it('without agentid shows "无效的agentid参数"', async () => {
        const e = await get(wecomAuthorizeURL(mock, { scope: 'snsapi_privateinfo', agentid: null }));
        expect(page(e)).toBe('error');
        expect(errorTitle(e)).toBe('无效的agentid参数');
      });
    });

    describe('invalid requests', () => {
      it.each([
        ['an unknown agentid', { agentid: '999' }, '无效的agentid参数'],
        ['a state outside [A-Za-z0-9]', { state: 'a-b' }, '不符合的state参数'],
        ['a state over 128 bytes', { state: 'a'.repeat(129) }, '不符合的state参数'],
        ['an unknown scope', { scope: 'snsapi_login' }, 'scope参数错误'],
      ])('%s shows an error page', async (_name, opts, title) => {
        const r = await get(wecomAuthorizeURL(mock, opts));
        expect(r.status).toBe(200);
        expect(page(r)).toBe('error');
        expect(errorTitle(r)).toBe(title);
      });

      it('response_type other than code shows an error page', async () => {
        const r = await get(wecomAuthorizeURL(mock).replace('response_type=code', 'response_type=token'));
        expect(page(r)).toBe('error');
      });

      it('a redirect_uri outside every trusted domain goes to the uriconfirm domain-error page', async () => {
        const uri = 'http://10.176.20.119:5200/cb';
        const r = await get(wecomAuthorizeURL(mock, { redirectURI: uri }));
        expect(r.status).toBe(302);
        const loc = new URL(r.headers.location as string);
        expect(loc.pathname).toBe('/wwopen/uriconfirm');
        expect(loc.searchParams.get('err_type')).toBe('domain_err');
        expect(loc.searchParams.get('uri')).toBe(uri);
        const e = await get(loc.href);
        expect(errorTitle(e)).toBe('redirect_uri需使用应用可信域名');
      });

      it('does not enforce parameter order', async () => {
        const u = new URL(wecomAuthorizeURL(mock));
        const reversed = [...u.searchParams].reverse();
        const r = await get(`${mock.wecom.authorizationURL}?${new URLSearchParams(reversed).toString()}`);
        expect(r.status).toBe(302);
      });
    });

    describe('with switches', () => {
      let m: MockWeChat;
      beforeAll(async () => {
        m = await createMockWeChat({
          wecom: { privateinfoWithoutAgentid: 'downgrade', strictState: false, denyBehavior: 'redirect' },
        });
      });
      afterAll(() => m.close());

      it('privateinfoWithoutAgentid: downgrade answers silently like snsapi_base (no ticket)', async () => {
        const r = await get(wecomAuthorizeURL(m, { scope: 'snsapi_privateinfo', agentid: null }));
        expect(r.status).toBe(302);
        const body = json(await exchangeWeComCode(m, locationQuery(r).get('code') as string));
        expect(body).toEqual({ errcode: 0, errmsg: 'ok', userid: 'ZhangSan' });
      });

      it('strictState: false passes any state through', async () => {
        const r = await get(wecomAuthorizeURL(m, { state: 'a-b/c' }));
        expect(locationQuery(r).get('state')).toBe('a-b/c');
      });

      it("denyBehavior: 'redirect' calls back with state only", async () => {
        const r = await get(wecomAuthorizeURL(m, { scope: 'snsapi_privateinfo' }));
        const cb = await confirm(m, uuidFrom(r.body), 'zhangsan', 'deny');
        const q = locationQuery(cb);
        expect(q.has('code')).toBe(false);
        expect(q.get('state')).toBe('abc123');
      });
    });
  });

  describe('browser login (/wwlogin/sso/login)', () => {
    let r: HttpResult;
    beforeEach(async () => {
      r = await get(wwloginURL(mock));
    });

    it('shows a QR code that encodes the confirm URL, and a simulate-scan button', () => {
      expect(page(r)).toBe('wwlogin');
      expect(r.body).toMatch(/<img class="qrcode" id="qrcode" src="data:image\/(png|svg\+xml);base64,/);
      expect(r.body).toMatch(new RegExp(`data-confirm-url="${mock.url}/wwopen/confirm\\?uuid=[A-Za-z0-9_-]+"`));
      expect(r.body).toContain('id="simulate-scan"');
    });

    it('simulate scan → confirm page → callback with a code that has no user_ticket', async () => {
      const scan = await get(`${mock.url}/wwopen/confirm?uuid=${uuidFrom(r.body)}`);
      expect(page(scan)).toBe('scan-confirm');
      const cb = await confirm(mock, uuidFrom(scan.body), 'zhangsan');
      const q = locationQuery(cb);
      expect(q.get('state')).toBe('S1');
      expect(json(await exchangeWeComCode(mock, q.get('code') as string))).toEqual({
        errcode: 0,
        errmsg: 'ok',
        userid: 'ZhangSan',
      });
    });

    it('a non-member can log in and comes back as openid + external_userid', async () => {
      const cb = await confirm(mock, uuidFrom(r.body), 'customer');
      const body = json(await exchangeWeComCode(mock, locationQuery(cb).get('code') as string));
      expect(body).toEqual({
        errcode: 0,
        errmsg: 'ok',
        openid: 'oCustomer0000000000000000001',
        external_userid: 'wmCustomer00000000000000000000001',
      });
    });

    it('a member outside the visible range sees "无权限"', async () => {
      const cb = await confirm(mock, uuidFrom(r.body), 'wangwu');
      expect(errorTitle(cb)).toBe('无权限');
    });

    it('cancel stays on the page', async () => {
      expect(page(await confirm(mock, uuidFrom(r.body), 'zhangsan', 'deny'))).toBe('denied');
    });

    it.each([
      ['no agentid', (u: string) => u.replace(/&agentid=\d+/, ''), '无效的agentid参数'],
      ['login_type ServiceApp', (u: string) => u.replace('CorpApp', 'ServiceApp'), 'login_type参数错误'],
      [
        'another corp',
        (u: string) => u.replace(/appid=ww[0-9a-f]+/, 'appid=ww0000000000000000'),
        '该链接无法访问（appid 参数错误）',
      ],
    ])('%s shows an error page', async (_name, edit, title) => {
      expect(errorTitle(await get(edit(wwloginURL(mock))))).toBe(title);
    });

    it("checks redirect_uri against the agent's own trusted domains", async () => {
      mock.configureWeCom('wecomOther', { domains: ['other.example'] });
      const r2 = await get(wwloginURL(mock, { agent: 'wecomOther' }));
      expect(r2.status).toBe(302);
      expect(new URL(r2.headers.location as string).pathname).toBe('/wwopen/uriconfirm');
    });
  });

  describe('old QR login (/wwopen/sso/qrConnect)', () => {
    it('serves the same QR page and passes a non-alphanumeric state through', async () => {
      const r = await get(qrConnectURL(mock));
      expect(page(r)).toBe('qrconnect');
      const cb = await confirm(mock, uuidFrom(r.body), 'zhangsan');
      expect(locationQuery(cb).get('state')).toBe('web_login@gyoss9');
    });

    it('cancel calls back with state only', async () => {
      const r = await get(qrConnectURL(mock));
      const q = locationQuery(await confirm(mock, uuidFrom(r.body), 'zhangsan', 'deny'));
      expect([...q.keys()]).toEqual(['state']);
    });

    it('an untrusted redirect_uri shows "该链接无法访问"', async () => {
      expect(errorTitle(await get(qrConnectURL(mock, { redirectURI: 'http://evil.example/cb' })))).toBe(
        '该链接无法访问',
      );
    });

    it('appends appid=CORPID with appendAppidToQrConnectCallback', async () => {
      const m = await createMockWeChat({ wecom: { appendAppidToQrConnectCallback: true } });
      try {
        const r = await get(qrConnectURL(m));
        expect(locationQuery(await confirm(m, uuidFrom(r.body), 'zhangsan')).get('appid')).toBe(m.apps.wecom.corpID);
      } finally {
        await m.close();
      }
    });
  });

  describe('auto-consent (setWeComAutoConsent)', () => {
    it('answers privateinfo and wwlogin at once as the chosen identity', async () => {
      mock.setWeComAutoConsent({ user: 'linked', decision: 'allow' });
      const a = await get(wecomAuthorizeURL(mock, { scope: 'snsapi_privateinfo' }));
      const b = await get(wwloginURL(mock));
      // Linked-corp members never get a user_ticket (§3.1).
      expect(json(await exchangeWeComCode(mock, locationQuery(a).get('code') as string))).toEqual({
        errcode: 0,
        errmsg: 'ok',
        userid: 'wwa1b2c3d4e5f60718/ZhaoLiu',
      });
      expect(json(await exchangeWeComCode(mock, locationQuery(b).get('code') as string)).userid).toBe(
        'wwa1b2c3d4e5f60718/ZhaoLiu',
      );
    });

    it('picks who a silent snsapi_base login is', async () => {
      mock.setWeComAutoConsent({ user: 'guest', decision: 'allow' });
      const r = await get(wecomAuthorizeURL(mock));
      expect(json(await exchangeWeComCode(mock, locationQuery(r).get('code') as string))).toEqual({
        errcode: 0,
        errmsg: 'ok',
        openid: 'oGuest00000000000000000000001',
      });
    });

    it('deny stays on the page; null restores the sheets; unknown users are refused', async () => {
      mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'deny' });
      expect(page(await get(wwloginURL(mock)))).toBe('denied');
      mock.setWeComAutoConsent(null);
      expect(page(await get(wwloginURL(mock)))).toBe('wwlogin');
      expect(() => mock.setWeComAutoConsent({ user: 'alice', decision: 'allow' })).toThrow(/unknown WeCom user/);
    });
  });

  describe('avatars', () => {
    it('serves /avatar/wecom-<key>.svg', async () => {
      const r = await get(`${mock.url}/avatar/wecom-zhangsan.svg`);
      expect(r.status).toBe(200);
      expect(r.headers['content-type']).toBe('image/svg+xml');
    });
  });
});

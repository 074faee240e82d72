/**
 * 企业微信登录 (WeCom login) through the example app against its in-process
 * emulator: the home page entry, the in-client login inside WeCom (its
 * `wxwork` User-Agent), the browser login's QR page on a desktop, the
 * profile page, and WeCom's failures on the failure page.
 */
import request from 'supertest';
import { createApp } from '../../example-app/app';
import { loadConfig, MOCK_DEFAULT_WECOM } from '../../example-app/config';
import { WXWORK_UA } from '../wecom/helpers';
import { DESKTOP_UA, startApp, TestBrowser, type Harness, type Reply } from './helpers';

let h: Harness;

beforeAll(async () => {
  h = await startApp();
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => h.mock.setWeComAutoConsent(null));

interface WeComSteps {
  /** Where /auth/wecom sent the browser (the emulator's in-client authorize page or its wwlogin page). */
  loginURL: URL;
  /** Where the emulator sent the browser back. */
  callbackURL: string;
  callback: Reply;
}

/** /auth/wecom → the emulator (answering at once as `user`) → the app's callback. */
async function weComLogin(browser: TestBrowser, user: string): Promise<WeComSteps> {
  const start = await browser.get('/auth/wecom');
  if (start.status !== 302 || !start.location) throw new Error(`/auth/wecom answered ${start.status}: ${start.text}`);
  h.mock.setWeComAutoConsent({ user, decision: 'allow' });
  const page = await browser.get(start.location);
  if (page.status !== 302 || !page.location) throw new Error(`emulator answered ${page.status}: ${page.text}`);
  return { loginURL: new URL(start.location), callbackURL: page.location, callback: await browser.get(page.location) };
}

/** The text of the `<dd id="…">` on a page. */
function field(page: Reply, id: string): string | undefined {
  return new RegExp(`<dd id="${id}">([^<]*)</dd>`).exec(page.text)?.[1];
}

async function loggedIn(browser: TestBrowser): Promise<boolean> {
  return (await browser.get('/')).text.includes('id="logged-in"');
}

describe('example app: 企业微信登录 (WeCom login)', () => {
  describe('the home page', () => {
    it('offers 企业微信登录 at /auth/wecom and lists the emulator identities', async () => {
      const home = await new TestBrowser(h).get('/');
      expect(home.text).toContain('id="login-wecom" href="/auth/wecom"');
      expect(home.text).toContain('企业微信登录');
      for (const user of h.mock.wecomUsers) expect(home.text).toContain(`<code>${user.key}</code>`);
    });
  });

  describe('inside WeCom (its wxwork User-Agent): the in-client login', () => {
    it('goes to the in-client authorize page (snsapi_base) and back, and the profile page shows the member', async () => {
      const browser = new TestBrowser(h, WXWORK_UA);
      const steps = await weComLogin(browser, 'lisi');
      expect(steps.loginURL.origin + steps.loginURL.pathname).toBe(h.mock.wecom.authorizationURL);
      expect(steps.loginURL.searchParams.get('appid')).toBe(h.mock.apps.wecom.corpID);
      expect(steps.loginURL.searchParams.get('agentid')).toBe(h.mock.apps.wecom.agentID);
      expect(steps.loginURL.searchParams.get('scope')).toBe('snsapi_base');
      expect(steps.callbackURL.startsWith(`${h.base}/auth/wecom/callback?code=`)).toBe(true);
      expect(steps.callback).toMatchObject({ status: 302, location: '/profile' });

      const profile = await browser.get('/profile');
      expect(profile.status).toBe(200);
      expect(profile.text).toContain('Your WeCom (企业微信) profile');
      expect(field(profile, 'wecom-kind')).toBe('成员 member');
      expect(field(profile, 'wecom-userid')).toBe('LiSi');
      expect(field(profile, 'wecom-name')).toBe('李四');
      expect(field(profile, 'wecom-department')).toBe('3');
      expect(field(profile, 'wecom-position')).toBe('工程师');
      expect(field(profile, 'wecom-corpid')).toBe(h.mock.apps.wecom.corpID);
      expect(field(profile, 'wecom-client')).toBe('企业微信内 in WeCom');
      expect(profile.text).not.toContain('id="wecom-openid"');
      expect((await browser.get('/')).text).toContain('Logged in as <strong>李四</strong>');
    });

    it('a linked-corp member logs in with the userid WeCom gave (no member fields: not in this corp)', async () => {
      const browser = new TestBrowser(h, WXWORK_UA);
      expect((await weComLogin(browser, 'linked')).callback.location).toBe('/profile');
      const profile = await browser.get('/profile');
      expect(field(profile, 'wecom-kind')).toBe('互联企业成员 linked-corp member');
      expect(field(profile, 'wecom-userid')).toBe('wwa1b2c3d4e5f60718/ZhaoLiu');
      expect(field(profile, 'wecom-name')).toBe('—');
    });
  });

  describe("on a desktop: the browser login's QR page (wwlogin)", () => {
    it('goes to wwlogin (login_type=CorpApp) and back, and the profile page shows the member', async () => {
      const browser = new TestBrowser(h, DESKTOP_UA);
      const start = await browser.get('/auth/wecom');
      const qrPage = await browser.get(start.location as string);
      expect(qrPage.status).toBe(200);
      expect(qrPage.text).toContain('data-page="wwlogin"');
      expect(qrPage.text).toContain('id="qrcode"');

      const steps = await weComLogin(browser, 'zhangsan');
      expect(steps.loginURL.origin + steps.loginURL.pathname).toBe(h.mock.wecom.loginURL);
      expect(steps.loginURL.searchParams.get('login_type')).toBe('CorpApp');
      expect(steps.loginURL.searchParams.get('agentid')).toBe(h.mock.apps.wecom.agentID);
      expect(steps.callback).toMatchObject({ status: 302, location: '/profile' });
      const profile = await browser.get('/profile');
      expect(field(profile, 'wecom-userid')).toBe('ZhangSan');
      expect(field(profile, 'wecom-name')).toBe('张三');
      expect(field(profile, 'wecom-department')).toBe('1, 2');
      expect(field(profile, 'wecom-position')).toBe('产品经理');
      expect(field(profile, 'wecom-client')).toBe('浏览器扫码 browser (wwlogin)');
    });

    it('returns to a same-origin returnTo after the login', async () => {
      const browser = new TestBrowser(h, DESKTOP_UA);
      const start = await browser.get('/auth/wecom?returnTo=/profile%3Ftab%3Dwecom');
      h.mock.setWeComAutoConsent({ user: 'zhangsan', decision: 'allow' });
      const back = await browser.get(start.location as string);
      expect((await browser.get(back.location as string)).location).toBe('/profile?tab=wecom');
    });
  });

  describe("WeCom's failures, on the failure page", () => {
    async function expectFailure(browser: TestBrowser, callback: Reply, reason: string, zh: string): Promise<void> {
      expect(callback.status).toBe(302);
      expect(callback.location).toMatch(new RegExp(`^/failure\\?reason=${reason}(&|$)`));
      const page = await browser.get(callback.location as string);
      expect(page.status).toBe(reason === 'invalid_code' ? 401 : 403);
      expect(page.text).toContain(`data-reason="${reason}"`);
      expect(page.text).toContain(zh);
      expect(await loggedIn(browser)).toBe(false);
    }

    it.each([
      ['a guest (non-member)', 'guest'],
      ['a customer (non-member with an external_userid)', 'customer'],
    ])('%s fails with not_member', async (_who, user) => {
      const browser = new TestBrowser(h, WXWORK_UA);
      const { callback } = await weComLogin(browser, user);
      await expectFailure(browser, callback, 'not_member', '你不是本企业的成员');
      expect((await browser.get('/profile')).location).toBe('/');
    });

    it("a member outside the app's visible range fails with not_in_app_scope (snsapi_base names them; user/get refuses)", async () => {
      const browser = new TestBrowser(h, WXWORK_UA);
      const { callback } = await weComLogin(browser, 'wangwu');
      await expectFailure(browser, callback, 'not_in_app_scope', '你不在此应用的可见范围内');
    });

    it('a code someone already redeemed fails with invalid_code (WeCom: 40029)', async () => {
      const browser = new TestBrowser(h, WXWORK_UA);
      const start = await browser.get('/auth/wecom');
      const state = new URL(start.location as string).searchParams.get('state') as string;
      const redirectURI = `${h.base}/auth/wecom/callback`;
      const code = h.mock.wecomCode('lisi', { redirectURI });
      const api = h.mock.wecom.apiBaseURL;
      const { corpID, agentSecret } = h.mock.apps.wecom;
      const token = (
        (await (await fetch(`${api}/cgi-bin/gettoken?corpid=${corpID}&corpsecret=${agentSecret}`)).json()) as {
          access_token: string;
        }
      ).access_token;
      const first = (await (
        await fetch(`${api}/cgi-bin/auth/getuserinfo?access_token=${token}&code=${code}`)
      ).json()) as {
        errcode: number;
      };
      expect(first.errcode).toBe(0);
      const callback = await browser.get(`/auth/wecom/callback?code=${code}&state=${state}`);
      expect(callback.location).toBe('/failure?reason=invalid_code&errcode=40029');
      await expectFailure(browser, callback, 'invalid_code', '登录凭证无效');
    });

    it('a cancelled login (WeCom calls back with the state only) fails with access_denied', async () => {
      const browser = new TestBrowser(h, DESKTOP_UA);
      const start = await browser.get('/auth/wecom');
      const state = new URL(start.location as string).searchParams.get('state') as string;
      const callback = await browser.get(`/auth/wecom/callback?state=${state}`);
      await expectFailure(browser, callback, 'access_denied', '你拒绝了授权');
    });
  });
});

describe('example app: WeCom configuration (WECOM_*)', () => {
  const REAL_WECOM = {
    SESSION_SECRET: 'test-session-secret-0123456789abcdef-0123456789',
    WECOM_CORP_ID: 'ww0123456789abcdef',
    WECOM_AGENT_ID: '1000005',
    WECOM_AGENT_SECRET: 'real-agent-secret-0123456789abcdefghijklmno',
    WECOM_CALLBACK_URL: 'https://login.example.com/auth/wecom/callback',
  };

  it('with WECOM_* set: real WeCom, no emulator, and /auth/wecom goes to open.weixin.qq.com with the corp and agent', async () => {
    const config = loadConfig(REAL_WECOM);
    expect(config.mode).toBe('real');
    expect(config.wecom).toEqual({
      app: { corpID: 'ww0123456789abcdef', agentID: '1000005', agentSecret: REAL_WECOM.WECOM_AGENT_SECRET },
      callbackURL: REAL_WECOM.WECOM_CALLBACK_URL,
    });
    for (const w of config.warnings) expect(w).not.toContain(REAL_WECOM.WECOM_AGENT_SECRET);
    const example = await createApp(config, { logger: { info() {}, warn() {}, error() {} } });
    try {
      expect(example.mock).toBeUndefined();
      const start = await request(example.app).get('/auth/wecom').set('User-Agent', WXWORK_UA);
      const authorize = new URL(start.headers.location as string);
      expect(authorize.origin + authorize.pathname).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
      expect(authorize.searchParams.get('appid')).toBe('ww0123456789abcdef');
      expect(authorize.searchParams.get('agentid')).toBe('1000005');
      expect(authorize.searchParams.get('redirect_uri')).toBe(REAL_WECOM.WECOM_CALLBACK_URL);
      const desktop = await request(example.app).get('/auth/wecom').set('User-Agent', DESKTOP_UA);
      expect(desktop.headers.location).toMatch(/^https:\/\/login\.work\.weixin\.qq\.com\/wwlogin\/sso\/login\?/);
      // WeChat is not configured: its buttons say so, WeCom's works.
      const home = await request(example.app).get('/');
      expect(home.text).toContain('id="login-wecom" href="/auth/wecom"');
      expect(home.text).toContain('id="login-mp" aria-disabled="true"');
    } finally {
      await example.close();
    }
  });

  it('without WECOM_* next to real WeChat: WeCom login is off and /auth/wecom says which variables to set', async () => {
    const config = loadConfig({
      SESSION_SECRET: REAL_WECOM.SESSION_SECRET,
      WECHAT_APP_ID: 'wxmp',
      WECHAT_APP_SECRET: 's',
      WECHAT_CALLBACK_URL: 'https://login.example.com/auth/wechat/callback',
    });
    expect(config.wecom.app).toBeUndefined();
    const example = await createApp(config, { logger: { info() {}, warn() {}, error() {} } });
    try {
      const start = await request(example.app).get('/auth/wecom');
      expect(start.status).toBe(400);
      expect(start.text).toContain('WECOM_CORP_ID, WECOM_AGENT_ID, WECOM_AGENT_SECRET');
      expect((await request(example.app).get('/')).text).toMatch(/id="login-wecom" aria-disabled="true"/);
    } finally {
      await example.close();
    }
  });

  it('refuses a partial or unusable WECOM_* setting, naming variables, never values', () => {
    expect(() => loadConfig({ ...REAL_WECOM, WECOM_AGENT_SECRET: '' })).toThrow(
      'WECOM_CORP_ID and WECOM_AGENT_ID are set but WECOM_AGENT_SECRET not',
    );
    expect(() => loadConfig({ ...REAL_WECOM, WECOM_AGENT_ID: 'abc' })).toThrow('WECOM_AGENT_ID must be');
    expect(() => loadConfig({ ...REAL_WECOM, WECOM_CALLBACK_URL: undefined })).toThrow(
      'WECOM_CALLBACK_URL is required with real WeCom credentials',
    );
    expect(() => loadConfig({ ...REAL_WECOM, WECOM_CALLBACK_URL: '/auth/wecom/callback' })).toThrow(
      'WECOM_CALLBACK_URL must be absolute',
    );
    try {
      loadConfig({ ...REAL_WECOM, WECOM_CORP_ID: '' });
    } catch (err) {
      expect(String(err)).not.toContain(REAL_WECOM.WECOM_AGENT_SECRET);
    }
  });

  it("with a standalone emulator (WECHAT_MOCK_URL): the emulator's fixed WeCom app and its endpoints", () => {
    const config = loadConfig({ WECHAT_MOCK_URL: 'http://127.0.0.1:3900/' });
    expect(config.wecom).toEqual({
      app: { ...MOCK_DEFAULT_WECOM },
      callbackURL: '/auth/wecom/callback',
      authorizationURL: 'http://127.0.0.1:3900/connect/oauth2/authorize',
      loginURL: 'http://127.0.0.1:3900/wwlogin/sso/login',
      apiBaseURL: 'http://127.0.0.1:3900',
    });
    expect(MOCK_DEFAULT_WECOM).toEqual({ ...h.mock.apps.wecom });
  });
});

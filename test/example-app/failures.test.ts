/**
 * Logins that do not succeed: each failure page says why, and WeChat API
 * errors give a generic error page (5xx) that leaks nothing.
 */
import { callbackParams, login, reachCallback, startApp, TestBrowser, WECHAT_UA, type Harness } from './helpers';
import { tokenExchanges } from '../helpers/login-app';
import { setFaultOnBothBases } from '../testing/helpers';

let h: Harness;

beforeAll(async () => {
  h = await startApp();
});

afterAll(async () => {
  await h?.close();
});

afterEach(() => h.mock.reset());

function secrets(): string[] {
  return [h.mock.apps.mp.appSecret, h.mock.apps.web.appSecret, h.config.session.secret];
}

/** Follows `location` (a redirect to the failure page) and checks the page's status and texts. */
async function expectFailurePage(
  browser: TestBrowser,
  location: string | undefined,
  status: number,
  ...texts: string[]
): Promise<void> {
  const page = await browser.get(location as string);
  expect(page.status).toBe(status);
  for (const text of texts) expect(page.text).toContain(text);
}

describe('example app: failures', () => {
  describe('the user denies consent', () => {
    it('redirects to the failure page, which says the user declined (403)', async () => {
      const browser = new TestBrowser(h, WECHAT_UA);
      const steps = await login(h, browser, { client: 'mp', decision: 'deny' });
      expect(callbackParams(steps.callbackURL).code).toBeNull();
      expect(steps.callback.status).toBe(302);
      expect(steps.callback.location).toBe('/failure?reason=access_denied');

      await expectFailurePage(
        browser,
        steps.callback.location,
        403,
        'data-reason="access_denied"',
        '你拒绝了授权',
        'You declined',
      );
      expect((await browser.get('/profile')).status).toBe(302);
    });
  });

  describe('a code is used twice', () => {
    it('fails the second login with "this login link was already used" (errcode 40163)', async () => {
      const first = new TestBrowser(h);
      const steps = await login(h, first, { client: 'web', user: 'alice' });
      expect(steps.callback.location).toBe('/profile');
      const { code } = callbackParams(steps.callbackURL);

      // A new browser starts its own login (a valid state), then arrives with the old code.
      const second = new TestBrowser(h);
      const fresh = await reachCallback(h, second, { client: 'web', user: 'alice' });
      const replayURL = new URL(fresh.callbackURL);
      replayURL.searchParams.set('code', code as string);
      const res = await second.get(replayURL.href);
      expect(res.status).toBe(302);
      expect(res.location).toBe('/failure?reason=invalid_code&errcode=40163');

      await expectFailurePage(second, res.location, 401, 'data-errcode="40163"', 'This login link was already used');
      expect((await second.get('/profile')).status).toBe(302);
    });

    it('shows the generic invalid-code text for other code errors (40029)', async () => {
      const page = await new TestBrowser(h).get('/failure?reason=invalid_code&errcode=40029');
      expect(page.status).toBe(401);
      expect(page.text).toContain('invalid or belongs to another app');
    });
  });

  describe('a snapshot-page (快照页) user', () => {
    it('is refused with the "tap 使用完整服务" explanation', async () => {
      const browser = new TestBrowser(h, WECHAT_UA);
      const steps = await login(h, browser, { client: 'mp', user: 'snapshot' });
      expect(steps.callback.location).toBe('/failure?reason=snapshot_user');
      await expectFailurePage(
        browser,
        steps.callback.location,
        403,
        'WeChat showed a preview (snapshot) page',
        '使用完整服务',
      );
      expect((await browser.get('/profile')).status).toBe(302);
    });
  });

  describe('an invalid state', () => {
    it.each([
      ['a state this app never issued', 'code=abc&state=bogus'],
      ['a well-formed but unknown state', 'code=abc&state=wAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
      ['a code with no state', 'code=abc'],
    ])('fails with "the login expired or was started in another browser" for %s', async (_name, query) => {
      const browser = new TestBrowser(h);
      const res = await browser.get(`/auth/wechat/callback?${query}`);
      expect(res.status).toBe(302);
      expect(res.location).toBe('/failure?reason=invalid_state');
      await expectFailurePage(browser, res.location, 403, 'The login expired or was started in another browser');
    });

    it('fails a replayed callback URL in another browser (one-time state)', async () => {
      const browser = new TestBrowser(h);
      const steps = await login(h, browser, { client: 'web' });
      expect(steps.callback.location).toBe('/profile');
      const again = await new TestBrowser(h).get(steps.callbackURL);
      expect(again.location).toBe('/failure?reason=invalid_state');
    });
  });

  describe("WeChat's double callback (same URL twice from one browser)", () => {
    it('keeps the login when the replay arrives after the login finished', async () => {
      const browser = new TestBrowser(h, WECHAT_UA);
      const steps = await login(h, browser, { client: 'mp', user: 'bob' });
      expect(steps.callback.location).toBe('/profile');
      const again = await browser.get(steps.callbackURL);
      expect(again.status).toBe(302);
      expect(again.location).toBe('/profile');
      expect((await browser.get('/profile')).text).toContain(h.mock.openidOf('mp', 'bob'));
    });

    it('logs in once when both callbacks arrive together (the code is redeemed once)', async () => {
      const browser = new TestBrowser(h, WECHAT_UA);
      const back = await reachCallback(h, browser, { client: 'mp', user: 'alice' });
      const exchangesBefore = await tokenExchanges(h.mock);
      const twins = [new TestBrowser(h, WECHAT_UA), new TestBrowser(h, WECHAT_UA)];
      for (const twin of twins) for (const [k, v] of browser.cookies) twin.cookies.set(k, v);
      const replies = await Promise.all(twins.map((twin) => twin.get(back.callbackURL)));
      expect(replies.map((r) => r.location)).toEqual(['/profile', '/profile']);
      expect((await tokenExchanges(h.mock)) - exchangesBefore).toBe(1);
      for (const twin of twins) expect((await twin.get('/profile')).text).toContain(h.mock.openidOf('mp', 'alice'));
    });
  });

  describe('a malformed callback', () => {
    it('fails with invalid_request when code appears twice', async () => {
      const res = await new TestBrowser(h).get('/auth/wechat/callback?code=a&code=b&state=mX');
      expect(res.location).toBe('/failure?reason=invalid_request');
      await expectFailurePage(new TestBrowser(h), res.location, 400, 'The login callback was malformed');
    });
  });

  describe('the failure page itself', () => {
    it('ignores unknown reasons and bad errcodes (no reflected text)', async () => {
      const page = await new TestBrowser(h).get('/failure?reason=%3Cscript%3Ealert(1)%3C/script%3E&errcode=%3Cb%3E');
      expect(page.status).toBe(401);
      expect(page.text).toContain('data-reason="unknown"');
      expect(page.text).not.toContain('<script>');
      expect(page.text).not.toContain('<b>');
    });

    it('answers an interrupted login (another instance died mid-login) with 503 and a link to log in again', async () => {
      const page = await new TestBrowser(h).get('/failure?reason=login_interrupted');
      expect(page.status).toBe(503);
      expect(page.text).toContain('data-reason="login_interrupted"');
      expect(page.text).toContain('<a class="btn" href="/login" id="log-in-again">重新登录 Log in again</a>');
      // Other failures keep their way home.
      expect((await new TestBrowser(h).get('/failure?reason=access_denied')).text).not.toContain('log-in-again');
    });
  });

  describe('WeChat API errors', () => {
    it('shows a 502 error page with the safe message for errcode 40125 (bad secret), no secret, no stack', async () => {
      h.mock.setFault('/sns/oauth2/access_token', 40125, 1);
      const browser = new TestBrowser(h);
      const steps = await login(h, browser, { client: 'web' });
      expect(steps.callback.status).toBe(502);
      expect(steps.callback.text).toContain('data-page="error"');
      expect(steps.callback.text).toContain('errcode 40125');
      for (const s of secrets()) expect(steps.callback.text).not.toContain(s);
      expect(steps.callback.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
      expect(steps.callback.text).not.toContain(callbackParams(steps.callbackURL).code as string);
      expect((await browser.get('/profile')).status).toBe(302);
    });

    it('shows a 502 error page when both API hosts are down (transport error)', async () => {
      setFaultOnBothBases(h.mock, '/sns/oauth2/access_token', '502');
      const steps = await login(h, new TestBrowser(h), { client: 'web' });
      expect(steps.callback.status).toBe(502);
      expect(steps.callback.text).toContain('data-status="502"');
      for (const s of secrets()) expect(steps.callback.text).not.toContain(s);
    });

    it('fails over to the second API host when only the first is down', async () => {
      h.mock.setFault('/sns/oauth2/access_token', '502', 1);
      const steps = await login(h, new TestBrowser(h), { client: 'web' });
      expect(steps.callback.location).toBe('/profile');
    });

    it('shows a 502 error page when /sns/userinfo fails', async () => {
      h.mock.setFault('/sns/userinfo', 40003, 1);
      const steps = await login(h, new TestBrowser(h), { client: 'mp' });
      expect(steps.callback.status).toBe(502);
      expect(steps.callback.text).toContain('/sns/userinfo');
    });

    it('logs the failure without secrets, codes or tokens', async () => {
      h.logs.length = 0;
      h.mock.setFault('/sns/oauth2/access_token', 40125, 1);
      const steps = await login(h, new TestBrowser(h), { client: 'mp' });
      const { code, state } = callbackParams(steps.callbackURL);
      const log = h.logs.join('\n');
      expect(log).toMatch(/GET \/auth\/wechat\/callback -> 502: WeChatAPIError: .*40125/);
      for (const s of [...secrets(), code as string, state as string]) expect(log).not.toContain(s);
      expect(log).not.toContain('code=');
    });
  });

  describe('unknown routes', () => {
    it('answers 404 with the error page', async () => {
      const res = await new TestBrowser(h).get('/nope');
      expect(res.status).toBe(404);
      expect(res.text).toContain('Page not found');
    });
  });
});

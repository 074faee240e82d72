import { SignedStateStore, Strategy as WeChatStrategy, WeChatAPIError, WeChatHttpClient } from '../lib';
import { ClientTaggedStore } from '../lib/redirect/tagged-state';
import { FakeWeChatAPI, fixture } from './helpers/fake-wechat';
import { authenticate, fakeRequest } from './helpers/harness';
import { META, MP, WEB } from './fixtures/apps';

let api: FakeWeChatAPI;
beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
});
afterEach(() => api.stop());

describe('edge cases', () => {
  describe('WeChatAPIError', () => {
    it('keeps an errmsg that is nothing but a rid', () => {
      expect(new WeChatAPIError(40013, 'rid: 1-2-3', '/sns/userinfo').message).toContain('(rid: 1-2-3)');
    });
  });

  describe('WeChatHttpClient', () => {
    it('reports an empty 200 body as not JSON', async () => {
      api.route('/sns/auth', { body: '' });
      const error = await new WeChatHttpClient({ apiBaseURL: api.url }).get('/sns/auth', {}).catch((e: unknown) => e);
      expect(error).toMatchObject({ kind: 'not_json' });
    });

    it('does not treat 40163 after a failed userinfo attempt as anything but 40163', async () => {
      const backup = await new FakeWeChatAPI().start();
      try {
        api.route('/sns/userinfo', { status: 502, body: 'x' });
        backup.route('/sns/userinfo', { body: fixture('errcode-40163.json') });
        const error = await new WeChatHttpClient({ apiBaseURL: [api.url, backup.url] })
          .get('/sns/userinfo', {})
          .catch((e: unknown) => e);
        expect(error).toMatchObject({ errcode: 40163 });
      } finally {
        await backup.stop();
      }
    });
  });

  describe('getUserInfo for the website app', () => {
    it('labels the profile with the web appID', async () => {
      api.route('/sns/userinfo', { body: fixture('userinfo.json') });
      const s = new WeChatStrategy({ ...MP, web: WEB, apiBaseURL: api.url });
      expect(await s.getUserInfo('AT', 'o', undefined, { client: 'web' })).toMatchObject({
        appID: WEB.appID,
        client: 'web',
      });
    });
  });

  describe('ClientTaggedStore', () => {
    it('accepts an inner store that returns no state (the tag alone is sent)', (done) => {
      const tagged = new ClientTaggedStore(
        { store: (_r: unknown, cb: (e: null) => void) => cb(null), verify: () => undefined } as never,
        { mp: 'm', web: 'w' },
        () => 'web',
      );
      tagged.store(fakeRequest(), undefined, META, (err, state) => {
        expect([err, state]).toEqual([null, 'w']);
        done();
      });
    });
  });

  describe('SignedStateStore', () => {
    it('accepts a Buffer secret', () => {
      expect(() => new SignedStateStore({ secret: Buffer.alloc(32, 7) })).not.toThrow();
    });

    it('replaces a malformed nonce cookie with a fresh one', async () => {
      const store = new SignedStateStore({ secret: 'edge-case-secret-0123456789abcdef' });
      const s = new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb', store });
      const cookies: string[] = [];
      const req = fakeRequest({ headers: { cookie: 'wechat_login_nonce=bad!' } });
      req.res = { append: (_n: string, v: string) => cookies.push(v) };
      expect((await authenticate(s, req)).kind).toBe('redirect');
      expect(cookies[0]).toMatch(/^wechat_login_nonce=[A-Za-z0-9]{32};/);
    });

    it('sets Secure on the cookie for HTTPS requests', async () => {
      const store = new SignedStateStore({ secret: 'edge-case-secret-0123456789abcdef' });
      const s = new WeChatStrategy({ ...MP, callbackURL: 'https://a.example.com/cb', store });
      const cookies: string[] = [];
      const req = fakeRequest();
      req.secure = true;
      req.res = { append: (_n: string, v: string) => cookies.push(v) };
      await authenticate(s, req);
      expect(cookies[0]).toMatch(/; Secure$/);
    });
  });
});

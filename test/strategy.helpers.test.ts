import refresh from 'passport-oauth2-refresh';
import { Strategy as WeChatStrategy, WeChatAPIError, WeChatConfigError, WeChatOAuth2 } from '../lib';
import { FakeWeChatAPI, fixture } from './helpers/fake-wechat';
import { MP, WEB } from './fixtures/apps';

let api: FakeWeChatAPI;
let strategy: WeChatStrategy;

beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
  strategy = new WeChatStrategy({ ...MP, web: WEB, callbackURL: 'https://app.example.com/cb', apiBaseURL: api.url });
});
afterEach(() => api.stop());

describe('WeChatStrategy helpers', () => {
  describe('refreshAccessToken', () => {
    it('calls /sns/oauth2/refresh_token with appid, grant_type and refresh_token, and no secret', async () => {
      api.route('/sns/oauth2/refresh_token', { body: fixture('refresh.json') });
      const result = await strategy.refreshAccessToken('RT-1');
      expect(api.requests[0].query).toEqual({ appid: MP.appID, grant_type: 'refresh_token', refresh_token: 'RT-1' });
      expect(result).toEqual({
        accessToken: expect.stringMatching(/^83_NEWACCESSTOKEN/),
        refreshToken: expect.stringMatching(/^83_REFRESHTOKEN/),
        expiresIn: 7200,
        openid: 'oAliceOpenid000000000000000x',
        scope: 'snsapi_userinfo',
      });
    });

    it('uses the website app for client: web', async () => {
      api.route('/sns/oauth2/refresh_token', { body: fixture('refresh.json') });
      await strategy.refreshAccessToken('RT-1', { client: 'web' });
      expect(api.requests[0].query.appid).toBe(WEB.appID);
    });

    it('rejects with the WeChatAPIError for an expired refresh token', async () => {
      api.route('/sns/oauth2/refresh_token', {
        body: '{"errcode":42002,"errmsg":"refresh_token timeout, rid: 1-2-3"}',
      });
      await expect(strategy.refreshAccessToken('RT-old')).rejects.toMatchObject({
        errcode: 42002,
        endpoint: '/sns/oauth2/refresh_token',
      });
    });

    it('rejects with a configuration error for a client without credentials', async () => {
      const mpOnly = new WeChatStrategy({ ...MP, apiBaseURL: api.url });
      await expect(mpOnly.refreshAccessToken('RT', { client: 'web' })).rejects.toBeInstanceOf(WeChatConfigError);
    });
  });

  describe('checkAccessToken', () => {
    it('resolves true for {"errcode":0,"errmsg":"ok"} and sends the token and openid', async () => {
      api.route('/sns/auth', { body: '{"errcode":0,"errmsg":"ok"}' });
      await expect(strategy.checkAccessToken('AT', 'oX')).resolves.toBe(true);
      expect(api.requests[0].query).toEqual({ access_token: 'AT', openid: 'oX' });
    });

    it.each([40001, 40003, 40014, 42001])('resolves false for errcode %i', async (errcode) => {
      api.route('/sns/auth', { body: fixture(`errcode-${errcode}.json`) });
      await expect(strategy.checkAccessToken('AT', 'oX')).resolves.toBe(false);
    });

    it('rejects with the WeChatAPIError for anything else', async () => {
      api.route('/sns/auth', { body: fixture('errcode-40013.json') });
      await expect(strategy.checkAccessToken('AT', 'oX')).rejects.toBeInstanceOf(WeChatAPIError);
    });
  });

  describe('getUserInfo', () => {
    it('resolves a WeChatProfile for the token and openid', async () => {
      api.route('/sns/userinfo', { body: fixture('userinfo.json') });
      const profile = await strategy.getUserInfo('AT', 'oAliceOpenid000000000000000x', 'en');
      expect(api.requests[0].query).toEqual({ access_token: 'AT', openid: 'oAliceOpenid000000000000000x', lang: 'en' });
      expect(profile).toMatchObject({
        openid: 'oAliceOpenid000000000000000x',
        displayName: 'Alice 爱丽丝',
        appID: MP.appID,
        client: 'mp',
      });
    });

    it('rejects with the WeChatAPIError for 48001', async () => {
      api.route('/sns/userinfo', { body: fixture('errcode-48001.json') });
      await expect(strategy.getUserInfo('AT', 'o')).rejects.toMatchObject({
        errcode: 48001,
        message: expect.stringMatching(/snsapi_base/),
      });
    });
  });

  describe('passport-oauth2-refresh', () => {
    it('refreshes through the strategy’s _oauth2 constructor and _refreshURL', (done) => {
      api.route('/sns/oauth2/refresh_token', { body: fixture('refresh.json') });
      refresh.use('wechat-test', strategy);
      refresh.requestNewAccessToken('wechat-test', 'RT-via-lib', (err, accessToken, refreshToken) => {
        try {
          expect(err).toBeNull();
          expect(accessToken).toMatch(/^83_NEWACCESSTOKEN/);
          expect(refreshToken).toMatch(/^83_REFRESHTOKEN/);
          expect(api.requests[0]).toMatchObject({
            path: '/sns/oauth2/refresh_token',
            query: { appid: MP.appID, refresh_token: 'RT-via-lib', grant_type: 'refresh_token' },
          });
          done();
        } catch (e) {
          done(e);
        }
      });
    });

    it('hands WeChat errors to the callback as WeChatAPIError', (done) => {
      api.route('/sns/oauth2/refresh_token', { body: fixture('errcode-40030.json') });
      refresh.use('wechat-test-2', strategy);
      refresh.requestNewAccessToken('wechat-test-2', 'RT-bad', (err) => {
        expect(err).toBeInstanceOf(WeChatAPIError);
        expect(err).toMatchObject({ errcode: 40030, statusCode: 200 });
        done();
      });
    });
  });

  describe('WeChatOAuth2 on its own (node-oauth signature)', () => {
    it('accepts the 2-argument getOAuthAccessToken form', (done) => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
      const oauth2 = new WeChatOAuth2(
        MP.appID,
        MP.appSecret,
        '',
        'https://open.weixin.qq.com/connect/oauth2/authorize',
        `${api.url}/sns/oauth2/access_token`,
      );
      oauth2.getOAuthAccessToken('CODE', (err, accessToken) => {
        expect(err).toBeNull();
        expect(accessToken).toMatch(/^83_ACCESSTOKENbase/);
        expect(oauth2.authorizeURL).toBe('https://open.weixin.qq.com/connect/oauth2/authorize');
        done();
      });
    });
  });
});

import { Strategy as WeChatStrategy } from '../lib';

const ENV_KEYS = ['WECHAT_APP_ID', 'WECHAT_APP_SECRET', 'WECHAT_CALLBACK_URL', 'WECHAT_WEB_APP_ID', 'WECHAT_WEB_APP_SECRET'];
const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const k of ENV_KEYS) {
    saved[k] = process.env[k];
    delete process.env[k];
  }
});
afterEach(() => {
  for (const k of ENV_KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

describe('new WeChatStrategy()', () => {
  describe('with no arguments', () => {
    it('reads WECHAT_APP_ID, WECHAT_APP_SECRET and WECHAT_CALLBACK_URL', () => {
      process.env.WECHAT_APP_ID = 'wxenv00000000000001';
      process.env.WECHAT_APP_SECRET = 'env-secret';
      process.env.WECHAT_CALLBACK_URL = 'https://env.example.com/cb';
      const strategy = new WeChatStrategy();
      expect(strategy.name).toBe('wechat');
      expect((strategy as any)._oauth2.appID).toBe('wxenv00000000000001');
      expect((strategy as any)._callbackURL).toBe('https://env.example.com/cb');
    });

    it('reads WECHAT_WEB_APP_ID / WECHAT_WEB_APP_SECRET for the website app', () => {
      process.env.WECHAT_WEB_APP_ID = 'wxweb0000000000001';
      process.env.WECHAT_WEB_APP_SECRET = 'web-secret';
      const strategy = new WeChatStrategy({ client: 'web' });
      expect((strategy as any)._oauth2.appID).toBe('wxweb0000000000001');
    });

    it('throws a TypeError naming the option and the variable when credentials are missing', () => {
      expect(() => new WeChatStrategy()).toThrow(new TypeError('WeChatStrategy requires options.appID (or the WECHAT_APP_ID environment variable)'));
    });

    it('names the secret when only the appid is set', () => {
      process.env.WECHAT_APP_ID = 'wxenv00000000000001';
      expect(() => new WeChatStrategy()).toThrow(/options\.appSecret \(or the WECHAT_APP_SECRET environment variable\)/);
    });

    it('names web.appID / WECHAT_WEB_APP_ID for a website login without credentials', () => {
      expect(() => new WeChatStrategy({ client: 'web' })).toThrow(/options\.web\.appID \(or the WECHAT_WEB_APP_ID/);
    });

    it("names both sets for client: 'auto' without any", () => {
      expect(() => new WeChatStrategy({ client: 'auto' })).toThrow(/WECHAT_APP_ID.*WECHAT_WEB_APP_ID/);
    });

    it("accepts client: 'auto' with only the website app", () => {
      expect(() => new WeChatStrategy({ client: 'auto', web: { appID: 'wxw', appSecret: 's' } })).not.toThrow();
    });
  });

  describe('option checks', () => {
    it('rejects an unknown client', () => {
      expect(() => new WeChatStrategy({ appID: 'a', appSecret: 's', client: 'app' as never })).toThrow(/client must be 'mp', 'web' or 'auto'/);
    });

    it('rejects an unknown scope', () => {
      expect(() => new WeChatStrategy({ appID: 'a', appSecret: 's', scope: 'snsapi_everything' as never })).toThrow(/unknown scope "snsapi_everything"/);
    });

    it('takes a custom name', () => {
      expect(new WeChatStrategy({ appID: 'a', appSecret: 's', name: 'wechat-mp' }).name).toBe('wechat-mp');
    });

    it('points passport-oauth2-refresh at the refresh endpoint of the first API base', () => {
      expect(new WeChatStrategy({ appID: 'a', appSecret: 's', apiBaseURL: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] })._refreshURL).toBe('http://127.0.0.1:1/sns/oauth2/refresh_token');
    });
  });
});

import {
  Strategy as WeChatStrategy,
  type VerifyCallback,
  type WeChatProfile,
  type WeChatStrategyOptions,
  type WeChatTokenResponse,
} from '../lib';
import { FakeWeChatAPI, fixture } from './helpers/fake-wechat';
import { completeLogin } from './helpers/harness';

const ENV_KEYS = [
  'WECHAT_APP_ID',
  'WECHAT_APP_SECRET',
  'WECHAT_CALLBACK_URL',
  'WECHAT_WEB_APP_ID',
  'WECHAT_WEB_APP_SECRET',
  'WECHAT_API_BASE_URL',
  'WECHAT_AUTHORIZATION_URL',
  'WECHAT_QRCONNECT_URL',
];
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
      expect(() => new WeChatStrategy()).toThrow(
        new TypeError('WeChatStrategy requires options.appID (or the WECHAT_APP_ID environment variable)'),
      );
    });

    it('names the secret when only the appid is set', () => {
      process.env.WECHAT_APP_ID = 'wxenv00000000000001';
      expect(() => new WeChatStrategy()).toThrow(
        /options\.appSecret \(or the WECHAT_APP_SECRET environment variable\)/,
      );
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
      expect(() => new WeChatStrategy({ appID: 'a', appSecret: 's', client: 'app' as never })).toThrow(
        /client must be 'mp', 'web' or 'auto'/,
      );
    });

    it('rejects an unknown scope', () => {
      expect(() => new WeChatStrategy({ appID: 'a', appSecret: 's', scope: 'snsapi_everything' as never })).toThrow(
        /unknown scope "snsapi_everything"/,
      );
    });

    it('takes a custom name', () => {
      expect(new WeChatStrategy({ appID: 'a', appSecret: 's', name: 'wechat-mp' }).name).toBe('wechat-mp');
    });

    it('points passport-oauth2-refresh at the refresh endpoint of the first API base', () => {
      expect(
        new WeChatStrategy({ appID: 'a', appSecret: 's', apiBaseURL: ['http://127.0.0.1:1', 'http://127.0.0.1:2'] })
          ._refreshURL,
      ).toBe('http://127.0.0.1:1/sns/oauth2/refresh_token');
    });
  });
});

describe('the constructor forms', () => {
  let api: FakeWeChatAPI;
  beforeEach(async () => {
    api = await new FakeWeChatAPI().start();
    api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json'), contentType: 'text/plain' });
    api.route('/sns/userinfo', { body: fixture('userinfo.json'), contentType: 'text/plain' });
  });
  afterEach(() => api.stop());

  /** Options as the environment gives them: what NestJS's `super()` relies on. */
  function configureEnv(): void {
    process.env.WECHAT_APP_ID = 'wxenv00000000000001';
    process.env.WECHAT_APP_SECRET = 'env-secret';
    process.env.WECHAT_CALLBACK_URL = 'https://env.example.com/cb';
    process.env.WECHAT_API_BASE_URL = api.url;
  }

  describe('new WeChatStrategy(verify): a function alone, as the NestJS mixin makes of super()', () => {
    it("reads the options from env, keeps the name wechat and runs verify, whose user is the login's", async () => {
      configureEnv();
      const seen: string[] = [];
      const strategy = new WeChatStrategy((_accessToken, _refreshToken, profile, done) => {
        seen.push(profile.openid);
        done(null, { id: `user-of-${profile.openid}` });
      });
      expect(strategy.name).toBe('wechat');
      expect((strategy as any)._oauth2.appID).toBe('wxenv00000000000001');
      const outcome = await completeLogin(strategy, 'CODE');
      expect(outcome).toMatchObject({ kind: 'success', user: { id: expect.stringMatching(/^user-of-/) } });
      expect(seen).toHaveLength(1);
    });

    it('never takes a named function for options or its name for the strategy name', () => {
      configureEnv();
      function callback(_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback): void {
        done(null, profile);
      }
      const strategy = new WeChatStrategy(callback);
      expect(strategy.name).toBe('wechat');
      expect((strategy as any)._verify).toBe(callback);
    });

    it('runs a params-form verify given alone (the mixin with callbackArity) with the token response', async () => {
      configureEnv();
      let scope = '';
      const strategy = new WeChatStrategy(
        (_a: string, _r: string, params: WeChatTokenResponse, profile: WeChatProfile, done: VerifyCallback) => {
          scope = params.scope;
          done(null, { id: profile.id });
        },
      );
      const outcome = await completeLogin(strategy, 'CODE');
      expect(outcome.kind).toBe('success');
      expect(scope).toBe('snsapi_userinfo');
    });

    it('throws the credentials TypeError when env has none', () => {
      expect(() => new WeChatStrategy((_a, _r, profile, done) => done(null, profile))).toThrow(
        /options\.appID \(or the WECHAT_APP_ID environment variable\)/,
      );
    });
  });

  describe('new WeChatStrategy(options) and new WeChatStrategy(options, verify)', () => {
    it('uses the options, and the default verify makes the profile the user', async () => {
      const strategy = new WeChatStrategy({
        appID: 'wxopt',
        appSecret: 's',
        callbackURL: 'https://a.example.com/cb',
        apiBaseURL: api.url,
        name: 'wechat-mp',
      });
      expect(strategy.name).toBe('wechat-mp');
      const outcome = await completeLogin(strategy, 'CODE');
      expect(outcome).toMatchObject({ kind: 'success', user: { provider: 'wechat', appID: 'wxopt' } });
    });

    it('takes null as "no verify"', () => {
      const strategy = new WeChatStrategy({ appID: 'wxopt', appSecret: 's' }, null as never);
      expect(typeof (strategy as any)._verify).toBe('function');
    });

    it('takes undefined or null options as none (env)', () => {
      configureEnv();
      expect(new WeChatStrategy(undefined as never)._refreshURL).toMatch(/refresh_token$/);
      expect((new WeChatStrategy(null as never) as any)._oauth2.appID).toBe('wxenv00000000000001');
    });
  });

  describe('the URL variables, for an env-only setup against an emulator', () => {
    it('WECHAT_AUTHORIZATION_URL, WECHAT_QRCONNECT_URL and a comma-separated WECHAT_API_BASE_URL list', () => {
      configureEnv();
      process.env.WECHAT_WEB_APP_ID = 'wxwebenv';
      process.env.WECHAT_WEB_APP_SECRET = 'web-env-secret';
      process.env.WECHAT_AUTHORIZATION_URL = 'http://127.0.0.1:3900/connect/oauth2/authorize';
      process.env.WECHAT_QRCONNECT_URL = 'http://127.0.0.1:3900/connect/qrconnect';
      process.env.WECHAT_API_BASE_URL = ' http://127.0.0.1:3900 , http://127.0.0.1:3900/api2 ,';
      const strategy = new WeChatStrategy({ client: 'auto' }) as any;
      expect(strategy.clients.mp._authorizeUrl).toBe('http://127.0.0.1:3900/connect/oauth2/authorize');
      expect(strategy.clients.web._authorizeUrl).toBe('http://127.0.0.1:3900/connect/qrconnect');
      expect(strategy.http.apiBaseURLs).toEqual(['http://127.0.0.1:3900', 'http://127.0.0.1:3900/api2']);
    });

    it('a blank WECHAT_API_BASE_URL means the real WeChat bases', () => {
      configureEnv();
      process.env.WECHAT_API_BASE_URL = ' , ';
      expect((new WeChatStrategy() as any).http.apiBaseURLs).toEqual([
        'https://api.weixin.qq.com',
        'https://api2.weixin.qq.com',
      ]);
    });
  });

  describe('options an env variable fills', () => {
    it('compile and run as string | undefined: an unset variable falls back to env, field by field', () => {
      process.env.WECHAT_WEB_APP_ID = 'wxwebenv';
      process.env.WECHAT_WEB_APP_SECRET = 'web-env-secret';
      // Written as in the README under exactOptionalPropertyTypes: each value may be undefined.
      const options: WeChatStrategyOptions = {
        appID: 'wxmp',
        appSecret: 'mp-secret',
        callbackURL: process.env.UNSET_CALLBACK_URL,
        client: 'auto',
        web: { appID: process.env.UNSET_WEB_APP_ID, appSecret: undefined },
      };
      const strategy = new WeChatStrategy(options);
      expect((strategy as any).clients.web.appID).toBe('wxwebenv');
      expect((strategy as any).clients.mp.appID).toBe('wxmp');
    });
  });

  describe('arguments that cannot be right', () => {
    const verify = (_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback): void => done(null, profile);

    it('two functions: a TypeError saying which forms exist', () => {
      expect(() => new (WeChatStrategy as any)(verify, verify)).toThrow(
        new TypeError(
          'WeChatStrategy: pass (options, verify) or (verify) alone, not two functions; options is an object such as { appID, appSecret, callbackURL }',
        ),
      );
    });

    it('options that are not an object: a TypeError', () => {
      expect(() => new (WeChatStrategy as any)('wx123')).toThrow(/options must be an object .* not string/);
    });

    it('a verify that is not a function: a TypeError', () => {
      expect(() => new (WeChatStrategy as any)({ appID: 'a', appSecret: 's' }, 'verify')).toThrow(
        /verify must be a function, not string/,
      );
    });
  });
});

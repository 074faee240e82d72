/**
 * Construction (options, env, the NestJS forms) and the start of a WeCom
 * login: which page, with which parameters, by User-Agent.
 */
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { WeChatConfigError, WeComStrategy, type VerifyCallback, type WeComProfile } from '../../lib';
import { Browser } from '../helpers/login-app';
import { DESKTOP_UA, logInAs, startWeComApp, WXWORK_UA, type WeComApp } from './helpers';

const WECHAT_UA =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148 MicroMessenger/8.0.47 NetType/WIFI';

let mock: MockWeChat;
let app: WeComApp | undefined;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function startPage(ua: string, options = {}): Promise<URL> {
  app = await startWeComApp(mock, options);
  const res = await new Browser(ua).get(`${app.url}/login`);
  expect(res.status).toBe(302);
  return new URL(res.headers.get('location') as string);
}

describe('WeComStrategy', () => {
  describe('construction', () => {
    const env = { ...process.env };
    afterEach(() => {
      process.env = { ...env };
    });

    it('reads WECOM_* from the environment with no arguments, and with a verify alone (NestJS super())', () => {
      Object.assign(process.env, {
        WECOM_CORP_ID: 'wwcorp',
        WECOM_AGENT_ID: '1000002',
        WECOM_AGENT_SECRET: 'env-secret',
        WECOM_CALLBACK_URL: 'https://example.com/cb',
      });
      const bare = new WeComStrategy();
      const withVerify = new WeComStrategy((profile: WeComProfile, done) => done(null, { id: profile.id }));
      expect([bare.name, withVerify.name]).toEqual(['wecom', 'wecom']);
      expect(bare.accessTokens).toMatchObject({ corpID: 'wwcorp', agentID: '1000002' });
    });

    it('takes (options, verify) and a name', () => {
      const strategy = new WeComStrategy({ ...mock.apps.wecom, name: 'staff' }, (_p, done) => done(null, {}));
      expect(strategy.name).toBe('staff');
    });

    it('refuses snsapi_privateinfo without an agentID (a config error at construction)', () => {
      expect(
        () => new WeComStrategy({ corpID: 'ww1', agentSecret: 's', scope: 'snsapi_privateinfo', client: 'wecom' }),
      ).toThrow(WeChatConfigError);
    });

    it('refuses the browser login (client web or auto) without an agentID', () => {
      expect(() => new WeComStrategy({ corpID: 'ww1', agentSecret: 's' })).toThrow(/agentID/);
      expect(() => new WeComStrategy({ corpID: 'ww1', agentSecret: 's', client: 'wecom' })).not.toThrow();
    });

    it.each([
      [{ corpID: '' }, /corpID/],
      [{ agentSecret: '' }, /agentSecret/],
      [{ scope: 'snsapi_userinfo' }, /scope/],
      [{ client: 'mp' }, /client/],
      [{ members: 'some' }, /members/],
      [{ profile: 'full' }, /profile/],
    ])('refuses %j with a TypeError naming the option', (patch, message) => {
      expect(() => new WeComStrategy({ ...mock.apps.wecom, ...(patch as object) })).toThrow(message);
    });

    it('refuses two functions, or options that are not an object', () => {
      const verify = (_p: WeComProfile, done: () => void): void => done();
      expect(() => new (WeComStrategy as unknown as new (a: unknown, b: unknown) => unknown)(verify, verify)).toThrow(
        /alone/,
      );
      expect(() => new (WeComStrategy as unknown as new (a: unknown) => unknown)('corp')).toThrow(/object/);
    });

    it('keeps the agent secret out of util.inspect', () => {
      const { inspect } = require('node:util') as typeof import('node:util');
      const strategy = new WeComStrategy({ ...mock.apps.wecom });
      expect(inspect(strategy, { depth: 10, showHidden: true })).not.toContain(mock.apps.wecom.agentSecret);
    });
  });

  describe('the start of a login', () => {
    it("inside WeCom (wxwork UA, which also says MicroMessenger): the in-client authorize page, DW/96441's order, #wechat_redirect", async () => {
      const url = await startPage(WXWORK_UA);
      expect(url.origin + url.pathname).toBe(mock.wecom.authorizationURL);
      expect([...url.searchParams.keys()]).toEqual([
        'appid',
        'redirect_uri',
        'response_type',
        'scope',
        'state',
        'agentid',
      ]);
      expect(url.searchParams.get('appid')).toBe(mock.apps.wecom.corpID);
      expect(url.searchParams.get('scope')).toBe('snsapi_base');
      expect(url.searchParams.get('agentid')).toBe(mock.apps.wecom.agentID);
      expect(url.searchParams.get('redirect_uri')).toBe(`${app?.url}/cb`);
      expect(url.searchParams.get('state')).toMatch(/^q[A-Za-z0-9]{1,127}$/);
      expect(url.hash).toBe('#wechat_redirect');
    });

    it.each([
      ['a desktop browser', DESKTOP_UA],
      ["WeChat's in-app browser (no wxwork)", WECHAT_UA],
    ])('in %s: the browser login (wwlogin) with login_type, appid, agentid, redirect_uri and state', async (_n, ua) => {
      const url = await startPage(ua);
      expect(url.origin + url.pathname).toBe(mock.wecom.loginURL);
      expect([...url.searchParams.keys()]).toEqual(['login_type', 'appid', 'agentid', 'redirect_uri', 'state']);
      expect(url.searchParams.get('login_type')).toBe('CorpApp');
      expect(url.searchParams.get('state')).toMatch(/^b[A-Za-z0-9]+$/);
      expect(url.hash).toBe('');
    });

    it('passes lang to the browser login', async () => {
      const url = await startPage(DESKTOP_UA, { lang: 'en' });
      expect(url.searchParams.get('lang')).toBe('en');
    });

    it("client 'wecom' uses the in-client page even on a desktop; snsapi_privateinfo is asked for", async () => {
      const url = await startPage(DESKTOP_UA, { client: 'wecom', scope: 'snsapi_privateinfo' });
      expect(url.origin + url.pathname).toBe(mock.wecom.authorizationURL);
      expect(url.searchParams.get('scope')).toBe('snsapi_privateinfo');
    });

    it('a callbackURL with a query survives the round trip URL-encoded (§1.1)', async () => {
      const url = await startPage(WXWORK_UA, { callbackURL: '/cb?from=wecom&x=1' });
      expect(url.searchParams.get('redirect_uri')).toBe(`${app?.url}/cb?from=wecom&x=1`);
    });

    it('without a callbackURL: a config error, no redirect', async () => {
      app = await startWeComApp(mock, { callbackURL: undefined });
      const res = await new Browser(WXWORK_UA).get(`${app.url}/login`);
      expect(res.status).toBe(500);
    });
  });

  describe('a whole login', () => {
    it('through the in-client page and through the browser login, as the same member', async () => {
      app = await startWeComApp(mock);
      const inside = await logInAs(mock, app, 'lisi', new Browser(WXWORK_UA));
      const desktop = await logInAs(mock, app, 'lisi', new Browser(DESKTOP_UA));
      expect([inside.status, desktop.status]).toEqual([200, 200]);
      expect(app.profiles.map((p) => [p.client, p.id])).toEqual([
        ['wecom', `${mock.apps.wecom.corpID}/lisi`],
        ['web', `${mock.apps.wecom.corpID}/lisi`],
      ]);
    });

    it('with passReqToCallback, verify gets the request first', async () => {
      const seen: string[] = [];
      const verify = (req: { method: string }, profile: WeComProfile, done: VerifyCallback): void => {
        seen.push(`${req.method} ${profile.kind} ${profile.userID}`);
        done(null, { id: profile.id });
      };
      app = await startWeComApp(mock, { passReqToCallback: true } as object, undefined, {}, verify as never);
      expect((await logInAs(mock, app, 'zhangsan')).status).toBe(200);
      expect(seen).toEqual(['GET member ZhangSan']);
    });

    it('a verify that refuses the user fails the login with its info; one that throws is an error', async () => {
      const refuse = (_p: WeComProfile, done: VerifyCallback): void => done(null, false, { message: 'suspended' });
      app = await startWeComApp(mock, {}, undefined, {}, refuse as never);
      const refused = await logInAs(mock, app, 'zhangsan');
      expect(refused.body.failed).toEqual({ message: 'suspended' });
      await app.close();
      const explode = (): void => {
        throw new Error('database down');
      };
      app = await startWeComApp(mock, {}, undefined, {}, explode as never);
      const thrown = await logInAs(mock, app, 'zhangsan');
      expect([thrown.status, thrown.body.error]).toEqual([500, 'database down']);
    });
  });
});

import OAuth2Strategy from 'passport-oauth2';
import axios from 'axios';
import {
  Strategy as WeChatStrategy,
  WeChatAPIError,
  WeChatHttpClient,
  WeChatTransportError,
  type VerifyCallback,
  type WeChatProfile,
} from '../lib';
import { FakeWeChatAPI, fixture, type Reply } from './helpers/fake-wechat';
import { completeLogin } from './helpers/harness';
import { MP, CODE } from './fixtures/apps';

let primary: FakeWeChatAPI;
let backup: FakeWeChatAPI;

beforeEach(async () => {
  primary = await new FakeWeChatAPI().start();
  backup = await new FakeWeChatAPI().start();
});
afterEach(async () => {
  await primary.stop();
  await backup.stop();
});

const FAULTS: Array<[string, Reply]> = [
  ['a reset connection', { reset: true }],
  ['HTTP 502', { status: 502, body: '<html>Bad Gateway</html>', contentType: 'text/html' }],
  ['an HTML body under HTTP 200', { body: '<!DOCTYPE html><html>busy</html>', contentType: 'text/html' }],
  ['truncated JSON', { body: '{"access_token":"83_abc","expi' }],
  ['errcode -1', { body: fixture('errcode--1.json') }],
  ['a JSON array', { body: '[1,2]' }],
];

function strategy(extra: Record<string, unknown> = {}) {
  return new WeChatStrategy(
    { ...MP, callbackURL: 'https://app.example.com/cb', apiBaseURL: [primary.url, backup.url], timeout: 300, ...extra },
    (_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) => done(null, profile),
  );
}

function login(s: WeChatStrategy) {
  return completeLogin(s, CODE);
}

describe('failover across apiBaseURL', () => {
  describe.each(FAULTS)('when the primary answers the token call with %s', (_name, reply) => {
    beforeEach(() => {
      primary.route('/sns/oauth2/access_token', reply);
      backup.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      backup.route('/sns/userinfo', { body: fixture('userinfo.json') });
    });

    it('redeems the code on the backup and the login succeeds', async () => {
      const outcome = await login(strategy());
      expect(outcome.kind).toBe('success');
      expect(backup.requestsTo('/sns/oauth2/access_token')[0].query.code).toBe(CODE);
    });
  });

  describe('when the primary does not answer within timeout', () => {
    it('gives up on it after `timeout` ms and uses the backup', async () => {
      primary.route('/sns/oauth2/access_token', { hang: true });
      backup.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
      const outcome = await login(strategy({ scope: 'snsapi_base' }));
      expect(outcome.kind).toBe('success');
    });
  });

  describe('when the primary is slow, the code was consumed there, and the backup says 40163', () => {
    it('reports the first failure as an error, not a reused code', async () => {
      primary.route('/sns/oauth2/access_token', { body: fixture('token-base.json'), delayMs: 1000 });
      backup.route('/sns/oauth2/access_token', { body: fixture('errcode-40163.json') });
      const outcome = await login(strategy());
      expect(outcome.kind).toBe('error');
      const error = (outcome as { error: Error }).error;
      expect(error).toBeInstanceOf(OAuth2Strategy.InternalOAuthError);
      expect(String(error)).toMatch(/failed \(timeout\): no answer within 300 ms/);
    });
  });

  describe('business errcodes', () => {
    it('never fail over: 40029 from the primary is final', async () => {
      primary.route('/sns/oauth2/access_token', { body: fixture('errcode-40029.json') });
      const outcome = await login(strategy());
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_code', errcode: 40029 } });
      expect(backup.requests).toHaveLength(0);
    });
  });

  describe('userinfo', () => {
    it('fails over too, with the same token', async () => {
      primary.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      primary.route('/sns/userinfo', { status: 503, body: 'down' });
      backup.route('/sns/userinfo', { body: fixture('userinfo.json') });
      const outcome = await login(strategy());
      expect(outcome.kind === 'success' && outcome.user).toMatchObject({ displayName: 'Alice 爱丽丝' });
    });
  });

  describe('when every base fails', () => {
    it('reports the first failure (an InternalOAuthError for the token call)', async () => {
      primary.route('/sns/oauth2/access_token', { status: 502, body: 'bad gateway' });
      backup.route('/sns/oauth2/access_token', { reset: true });
      const outcome = await login(strategy());
      expect(outcome.kind === 'error' && String(outcome.error)).toMatch(/failed \(http_502\)/);
    });

    it('reports errcode -1 from both as the WeChatAPIError, marked retryable', async () => {
      primary.route('/sns/oauth2/access_token', { body: fixture('errcode--1.json') });
      backup.route('/sns/oauth2/access_token', { body: fixture('errcode--1.json') });
      const outcome = await login(strategy());
      expect(outcome.kind).toBe('error');
      expect((outcome as unknown as { error: WeChatAPIError }).error).toMatchObject({ errcode: -1 });
    });
  });

  describe('the process keeps serving after faults', () => {
    it('completes a normal login right after a failed one', async () => {
      primary.route('/sns/oauth2/access_token', { reset: true });
      backup.route('/sns/oauth2/access_token', { reset: true });
      const s = strategy({ scope: 'snsapi_base' });
      expect((await login(s)).kind).toBe('error');
      primary.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
      expect((await login(s)).kind).toBe('success');
    });
  });
});

describe('WeChatHttpClient', () => {
  it('accepts a single base URL string and strips a trailing slash', () => {
    expect(new WeChatHttpClient({ apiBaseURL: 'http://127.0.0.1:1/' }).apiBaseURLs).toEqual(['http://127.0.0.1:1']);
  });

  it('defaults to api.weixin.qq.com then api2.weixin.qq.com and 5 s', () => {
    const client = new WeChatHttpClient();
    expect(client.apiBaseURLs).toEqual(['https://api.weixin.qq.com', 'https://api2.weixin.qq.com']);
    expect(client.timeout).toBe(5000);
  });

  it.each([[[]], ['ftp://x'], [[42]]])('rejects apiBaseURL %j', (apiBaseURL) => {
    expect(() => new WeChatHttpClient({ apiBaseURL: apiBaseURL as never })).toThrow(TypeError);
  });

  it('uses a given axios instance, so interceptors see every call', async () => {
    primary.route('/sns/auth', { body: '{"errcode":0,"errmsg":"ok"}' });
    const instance = axios.create();
    const seen: string[] = [];
    instance.interceptors.request.use((config) => {
      seen.push(String(config.url));
      return config;
    });
    const client = new WeChatHttpClient({ apiBaseURL: primary.url, httpClient: instance });
    await client.get('/sns/auth', { access_token: 'x', openid: 'y' });
    expect(seen.map((url) => url.split('?')[0])).toEqual([`${primary.url}/sns/auth`]);
  });

  it('reports a refused connection as a WeChatTransportError naming host and path only', async () => {
    const url = primary.url;
    await primary.stop();
    const client = new WeChatHttpClient({ apiBaseURL: url, timeout: 500 });
    const error = await client.get('/sns/auth', { access_token: 'SECRET-TOKEN', openid: 'o' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WeChatTransportError);
    expect((error as WeChatTransportError).kind).toBe('ECONNREFUSED');
    expect(String(error)).not.toContain('SECRET-TOKEN');
    primary = await new FakeWeChatAPI().start();
  });
});

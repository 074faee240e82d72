/**
 * WeCom faults, counters, the `/__mock/wecom/*` control routes and the `wechat-mock --wecom-*` flags
 * (wecom-protocol.md §7 "Fault injection", "Test-only endpoints").
 */
import { EventEmitter } from 'node:events';
import { createMockWeChat, type MockWeChat } from 'passport-wechat-oauth2/testing';
import { parseCliArgs, runCli, type CliIo } from '../../lib/testing/cli-main';
import { get, json, locationQuery, request, type HttpResult } from './helpers';
import { exchangeWeComCode, expectWeComError, gettoken, qyapi, wecomAuthorizeURL } from './wecom-helpers';

const TOKEN_PATH = '/cgi-bin/gettoken';
const USERINFO_PATH = '/cgi-bin/auth/getuserinfo';

function control(mock: MockWeChat, route: string, body?: unknown, method = 'POST'): Promise<HttpResult> {
  return request(`${mock.url}/__mock/${route}`, {
    method,
    headers: { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

describe('WeCom emulator test hooks', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat();
  });
  afterAll(() => mock.close());
  beforeEach(() => mock.reset());

  describe('faults on WeCom APIs', () => {
    it.each([
      [60020, 'not allow to access from your ip'],
      [-1, 'system busy'],
      [40014, 'invalid access_token'],
      [84014, 'user ticket expired'],
    ])('an injected errcode %i wears the WeCom envelope', async (errcode, text) => {
      mock.setFault(USERINFO_PATH, errcode, 1);
      const code = mock.wecomCode('zhangsan');
      expectWeComError(await exchangeWeComCode(mock, code), errcode, text);
      // The faulted request never reached the handler, so the code is still good.
      expect(json(await exchangeWeComCode(mock, code)).userid).toBe('ZhangSan');
    });

    it('502 answers an nginx page and timeout never answers', async () => {
      mock.setFault(TOKEN_PATH, '502', 1);
      const r = await get(`${mock.url}${TOKEN_PATH}`);
      expect(r.status).toBe(502);
      mock.setFault(TOKEN_PATH, 'timeout', 1);
      await expect(get(`${mock.url}${TOKEN_PATH}`, { timeoutMs: 200 })).rejects.toThrow('client timeout');
    });
  });

  describe('counters', () => {
    it('count requests per path and gettoken per agent, faulted ones included', async () => {
      mock.setFault(TOKEN_PATH, -1, 1);
      const first = await qyapi(mock, TOKEN_PATH, [
        ['corpid', mock.apps.wecom.corpID],
        ['corpsecret', mock.apps.wecom.agentSecret],
      ]);
      expect(json(first).errcode).toBe(-1);
      const token = await gettoken(mock);
      await gettoken(mock, 'wecomOther');
      await qyapi(mock, USERINFO_PATH, [
        ['access_token', token],
        ['code', mock.wecomCode('zhangsan')],
      ]);
      const stats = mock.stats();
      expect(stats.requests).toEqual({ [TOKEN_PATH]: 3, [USERINFO_PATH]: 1 });
      expect(stats.wecomGettoken).toEqual({ [mock.apps.wecom.agentID]: 2, [mock.apps.wecomOther.agentID]: 1 });
      expect(json(await get(`${mock.url}/__mock/stats`))).toMatchObject({
        requests: stats.requests,
        wecomGettoken: stats.wecomGettoken,
      });
    });

    it('count the WeCom pages and are zeroed by reset-stats', async () => {
      await get(wecomAuthorizeURL(mock));
      expect(mock.stats().requests).toEqual({ '/connect/oauth2/authorize': 1 });
      await gettoken(mock);
      await control(mock, 'reset-stats');
      expect(mock.stats()).toMatchObject({ requests: {}, wecomGettoken: {} });
    });
  });

  describe('reset()', () => {
    it('restores the configured agent settings and forgets tokens and auto-consent', async () => {
      const token = await gettoken(mock);
      mock.configureWeCom('wecom', { domains: ['example.com'] });
      mock.setWeComAutoConsent({ user: 'lisi', decision: 'allow' });
      mock.reset();
      expectWeComError(
        await qyapi(mock, '/cgi-bin/user/get', [
          ['access_token', token],
          ['userid', 'lisi'],
        ]),
        40014,
      );
      const r = await get(wecomAuthorizeURL(mock));
      expect(json(await exchangeWeComCode(mock, locationQuery(r).get('code') as string)).userid).toBe('ZhangSan');
    });
  });

  describe('control API', () => {
    it('GET /__mock/apps lists the WeCom credentials, settings, URLs and identities', async () => {
      const body = json(await control(mock, 'apps', undefined, 'GET'));
      expect((body.apps as Record<string, unknown>).wecom).toEqual(mock.apps.wecom);
      expect(body.wecom).toMatchObject({
        corpID: mock.apps.wecom.corpID,
        apps: {
          wecomOther: { agentID: '1000003', domains: ['localhost', '127.0.0.1'], trustedIPs: ['127.0.0.1', '::1'] },
        },
        urls: mock.wecom,
      });
      expect((body.wecom as { users: Array<{ key: string }> }).users.map((u) => u.key)).toEqual(
        mock.wecomUsers.map((u) => u.key),
      );
    });

    it('POST /__mock/wecom/code mints a code; /__mock/wecom/auto-consent picks the identity', async () => {
      const minted = json(await control(mock, 'wecom/code', { user: 'customer', agent: 'wecomOther' }));
      expect(json(await exchangeWeComCode(mock, minted.code as string)).external_userid).toBeDefined();
      expect(json(await control(mock, 'wecom/auto-consent', { user: 'lisi' }))).toEqual({ ok: true });
      const r = await get(wecomAuthorizeURL(mock));
      expect(json(await exchangeWeComCode(mock, locationQuery(r).get('code') as string)).userid).toBe('LiSi');
    });

    it('POST /__mock/wecom/config takes query-string lists and booleans', async () => {
      await request(
        `${mock.url}/__mock/wecom/config?agent=wecom&trustedIPs=10.0.0.1,10.0.0.2&createdAfter20220620=true`,
        {
          method: 'POST',
        },
      );
      expectWeComError(
        await qyapi(mock, TOKEN_PATH, [
          ['corpid', mock.apps.wecom.corpID],
          ['corpsecret', mock.apps.wecom.agentSecret],
        ]),
        60020,
      );
    });

    it('POST /__mock/wecom/config takes JSON lists and booleans, and an empty string as an empty list', async () => {
      await control(mock, 'wecom/config', {
        agent: 'wecom',
        sensitiveFields: '',
        visibleUserIDs: ['ZhangSan'],
        createdAfter20220620: false,
        enabled: true,
        domains: ['localhost', '127.0.0.1'],
      });
      const apps = json(await control(mock, 'apps', undefined, 'GET')).wecom as {
        apps: { wecom: { sensitiveFields: string[]; visibleUserIDs: string[]; enabled: boolean } };
      };
      expect(apps.apps.wecom).toMatchObject({ sensitiveFields: [], enabled: true });
      expect(apps.apps.wecom.visibleUserIDs.map((u) => u.toLowerCase())).toEqual(['zhangsan']);
    });

    it('POST /__mock/wecom/auto-consent with no user clears it', async () => {
      await control(mock, 'wecom/auto-consent', { user: 'lisi', decision: 'deny' });
      expect(json(await control(mock, 'wecom/auto-consent', {}))).toEqual({ ok: true });
      // Cleared: a silent base login is the default identity again.
      const r = await get(wecomAuthorizeURL(mock));
      expect(json(await exchangeWeComCode(mock, locationQuery(r).get('code') as string)).userid).toBe('ZhangSan');
    });

    it('POST /__mock/wecom/tokens expires or revokes the corp tokens', async () => {
      const a = await gettoken(mock);
      await control(mock, 'wecom/tokens', { action: 'expire', agent: 'wecom' });
      expectWeComError(
        await qyapi(mock, '/cgi-bin/user/get', [
          ['access_token', a],
          ['userid', 'lisi'],
        ]),
        42001,
      );
      const b = await gettoken(mock);
      await control(mock, 'wecom/tokens', { action: 'revoke' });
      expectWeComError(
        await qyapi(mock, '/cgi-bin/user/get', [
          ['access_token', b],
          ['userid', 'lisi'],
        ]),
        40014,
      );
    });

    it.each([
      ['wecom/code', { user: 'alice' }, /unknown WeCom user/],
      ['wecom/code', { user: 'lisi', scope: 'snsapi_login' }, /scope must be/],
      ['wecom/config', { agent: 'nope' }, /agent must be/],
      ['wecom/config', { agent: 'wecom', sensitiveFields: ['name'] }, /unknown sensitive field/],
      ['wecom/config', { agent: 'wecom', enabled: 'maybe' }, /enabled must be true or false/],
      ['wecom/tokens', { action: 'rotate' }, /action must be expire or revoke/],
      ['wecom/auto-consent', { user: 'lisi', decision: 'maybe' }, /decision must be allow or deny/],
      ['wecom/auto-consent', { user: 42 }, /need user as a string/],
      ['wecom/config', { agent: 'wecom', domains: [1, 2] }, /domains must be a list of strings/],
      ['wecom/config', { agent: 'wecom', trustedIPs: 'x', createdAfter20220620: 'soon' }, /createdAfter20220620/],
      ['wecom/code', { user: 'lisi', redirectURI: '' }, /need redirectURI as a string/],
    ])('%s %j → 400', async (route, body, message) => {
      const r = await control(mock, route, body);
      expect(r.status).toBe(400);
      expect(json(r).error).toMatch(message);
    });
  });
});

describe('wechat-mock --wecom-* flags', () => {
  function captureIo(): CliIo & { lines: string[]; errors: string[] } {
    const lines: string[] = [];
    const errors: string[] = [];
    return { lines, errors, out: (l) => lines.push(l), err: (l) => errors.push(l) };
  }

  it('parses them', () => {
    expect(
      parseCliArgs([
        '--wecom-auto-consent=lisi:deny',
        '--wecom-domain',
        'localhost:3000',
        '--wecom-trusted-ip',
        '10.0.0.1',
        '--wecom-trusted-ip=10.0.0.2',
        '--wecom-created-after-20220620',
      ]),
    ).toMatchObject({
      wecomAutoConsent: { user: 'lisi', decision: 'deny' },
      wecomDomains: ['localhost:3000'],
      wecomTrustedIPs: ['10.0.0.1', '10.0.0.2'],
      wecomCreatedAfter20220620: true,
    });
    expect(() => parseCliArgs(['--wecom-auto-consent', 'lisi:maybe'])).toThrow(/invalid --wecom-auto-consent decision/);
  });

  it('prints the WeCom credentials, URLs and identities, and applies the flags', async () => {
    const io = captureIo();
    const { running } = await runCli(
      ['--port=0', '--wecom-auto-consent', 'lisi', '--wecom-trusted-ip', '10.9.9.9'],
      io,
      new EventEmitter(),
    );
    if (!running) throw new Error('not running');
    const { mock } = running;
    try {
      const out = io.lines.join('\n');
      expect(out).toContain(`corpID ${mock.apps.wecom.corpID}`);
      expect(out).toContain(`agentID ${mock.apps.wecom.agentID}  agentSecret ${mock.apps.wecom.agentSecret}`);
      expect(out).toContain(`agentID ${mock.apps.wecomOther.agentID}  agentSecret ${mock.apps.wecomOther.agentSecret}`);
      expect(out).toContain(mock.wecom.loginURL);
      expect(out).toContain('ZhangSan');
      expect(io.lines).toContain('WeCom auto-consent: allow as lisi');
      const r = await get(wecomAuthorizeURL(mock));
      expect(locationQuery(r).get('code')).toBeTruthy();
      const token = await qyapi(mock, TOKEN_PATH, [
        ['corpid', mock.apps.wecom.corpID],
        ['corpsecret', mock.apps.wecom.agentSecret],
      ]);
      expectWeComError(token, 60020);
    } finally {
      await running.stop();
    }
  });
});

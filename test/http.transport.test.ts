import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios, { type AxiosAdapter, type InternalAxiosRequestConfig } from 'axios';
import { WeChatHttpClient, WeChatTransportError } from '../lib';
import { createKeepAliveAdapter } from '../lib/transport/keep-alive-adapter';
import { FakeWeChatAPI } from './helpers/fake-wechat';

const OK = { body: '{"errcode":0,"errmsg":"ok"}' };

let api: FakeWeChatAPI;
beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
});
afterEach(async () => {
  await api.stop();
});

function failureOf(promise: Promise<unknown>): Promise<WeChatTransportError> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => {
      expect(err).toBeInstanceOf(WeChatTransportError);
      return err as WeChatTransportError;
    },
  );
}

describe('the default transport (axios with the keep-alive adapter)', () => {
  describe('connections', () => {
    it('reuses one keep-alive connection for consecutive calls', async () => {
      api.route('/sns/auth', OK);
      const client = new WeChatHttpClient({ apiBaseURL: api.url });
      for (let i = 0; i < 3; i++) await client.get('/sns/auth', { access_token: `t${i}`, openid: 'o' });
      expect(api.requestsTo('/sns/auth')).toHaveLength(3);
      expect(api.connections).toBe(1);
    });
  });

  describe('the query string', () => {
    it('arrives exactly as given: each value percent-encoded once', async () => {
      api.route('/sns/userinfo', OK);
      const query = { access_token: 'a+b/c=d&e', openid: 'o 1%', lang: 'zh_CN' };
      await new WeChatHttpClient({ apiBaseURL: api.url }).get('/sns/userinfo', query);
      expect(api.requestsTo('/sns/userinfo')[0]?.query).toEqual(query);
    });
  });

  describe('a host that keeps sending a byte at a time', () => {
    it('is cut off at `timeout`: a deadline for the whole call, not an idle timer', async () => {
      // 400 bytes at one per 20 ms would take 8 s; an idle timer would never fire.
      api.route('/sns/auth', { trickle: `{"errcode":0,"pad":"${'x'.repeat(380)}"}`, everyMs: 20 });
      const client = new WeChatHttpClient({ apiBaseURL: api.url, timeout: 300 });
      const error = await failureOf(client.get('/sns/auth', { access_token: 't', openid: 'o' }));
      expect(error.kind).toBe('timeout');
      expect(error.message).toBe(
        'WeChat API /sns/auth on ' + new URL(api.url).host + ' failed (timeout): no answer within 300 ms',
      );
    });
  });

  describe('a connection dropped in the middle of the body', () => {
    it('is a transport error, never a half-parsed answer', async () => {
      api.route('/sns/auth', { cut: '{"errcode":0,"errmsg":"ok","padding":"0123456789"}' });
      const error = await failureOf(
        new WeChatHttpClient({ apiBaseURL: api.url }).get('/sns/auth', { access_token: 't', openid: 'o' }),
      );
      expect(error.kind).toBe('ECONNRESET');
    });

    it('moves the call to the next API base', async () => {
      const backup = await new FakeWeChatAPI().start();
      try {
        api.route('/sns/auth', { cut: '{"errcode":0,"errmsg":"ok","padding":"0123456789"}' });
        backup.route('/sns/auth', OK);
        const { json } = await new WeChatHttpClient({ apiBaseURL: [api.url, backup.url] }).get('/sns/auth', {
          access_token: 't',
          openid: 'o',
        });
        expect(json).toEqual({ errcode: 0, errmsg: 'ok' });
        expect(backup.requestsTo('/sns/auth')).toHaveLength(1);
      } finally {
        await backup.stop();
      }
    });
  });

  describe('an endless body', () => {
    it('is refused past 1 MiB instead of being buffered', async () => {
      api.route('/sns/auth', { body: `{"pad":"${'x'.repeat(1024 * 1024)}"}` });
      const error = await failureOf(
        new WeChatHttpClient({ apiBaseURL: api.url }).get('/sns/auth', { access_token: 't', openid: 'o' }),
      );
      expect(error.kind).toBe('ERR_BAD_RESPONSE');
    });
  });
});

describe('createKeepAliveAdapter', () => {
  function setup() {
    const handedOver: InternalAxiosRequestConfig[] = [];
    const fallback: AxiosAdapter = (config) => {
      handedOver.push(config);
      return Promise.resolve({ data: 'from the stock adapter', status: 200, statusText: 'OK', headers: {}, config });
    };
    const instance = axios.create({ adapter: createKeepAliveAdapter(fallback) });
    return { instance, handedOver };
  }

  it('serves a plain GET itself, with the headers axios assembled', async () => {
    api.route('/x', OK);
    const { instance, handedOver } = setup();
    const res = await instance.request({
      url: `${api.url}/x?a=1`,
      responseType: 'text',
      headers: { 'X-Trace': 'abc', 'X-Attempt': 2 },
    });
    expect(res.status).toBe(200);
    expect(res.data).toBe(OK.body);
    expect(handedOver).toHaveLength(0);
    expect(api.requestsTo('/x')[0]?.query).toEqual({ a: '1' });
    expect(api.requestsTo('/x')[0]?.headers).toMatchObject({ 'x-trace': 'abc', 'x-attempt': '2' });
  });

  it.each([
    ['a POST with a body', { method: 'post', data: 'x=1' }],
    ['`params` to serialize', { params: { a: 1 } }],
    ['an explicit proxy', { proxy: { host: '127.0.0.1', port: 3128 } }],
    ['a cancellation signal', { signal: new AbortController().signal }],
    ['a baseURL', { baseURL: 'http://127.0.0.1:1', url: '/x' }],
    ['a relative URL', { url: '/x' }],
    ['a Unix socket', { socketPath: '/tmp/no-such.sock' }],
    ['basic auth', { auth: { username: 'u', password: 'p' } }],
    ['a cancel token', { cancelToken: axios.CancelToken.source().token }],
  ])('hands %s to the stock adapter instead of dropping the option', async (_name, extra) => {
    const { instance, handedOver } = setup();
    const res = await instance.request({ url: `${api.url}/x`, ...extra });
    expect(res.data).toBe('from the stock adapter');
    expect(handedOver).toHaveLength(1);
    expect(api.requests).toHaveLength(0);
  });

  it('rejects a status that validateStatus refuses, with the response attached', async () => {
    api.route('/x', { status: 503, body: 'busy' });
    const { instance } = setup();
    const error = await instance.request({ url: `${api.url}/x` }).catch((e: unknown) => e);
    expect(axios.isAxiosError(error)).toBe(true);
    expect((error as { response?: { status: number } }).response?.status).toBe(503);
  });
});

describe('with a proxy in the environment', () => {
  const saved = process.env.HTTP_PROXY;
  let proxy: http.Server;
  const seen: string[] = [];

  beforeAll(async () => {
    // A forward proxy answers absolute-form requests ("GET http://host/path").
    proxy = http.createServer((req, res) => {
      seen.push(String(req.url));
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(OK.body);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    process.env.HTTP_PROXY = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    if (saved === undefined) delete process.env.HTTP_PROXY;
    else process.env.HTTP_PROXY = saved;
    await new Promise<void>((resolve) => proxy.close(() => resolve()));
  });

  it("keeps axios's stock adapter, which sends the calls through that proxy", async () => {
    // A fresh copy of the module: its shared instance is made on first use.
    let Client: typeof WeChatHttpClient | undefined;
    jest.isolateModules(() => {
      Client = (require('../lib/transport/http') as { WeChatHttpClient: typeof WeChatHttpClient }).WeChatHttpClient;
    });
    const client = new (Client as typeof WeChatHttpClient)({ apiBaseURL: 'http://api.weixin.example' });
    const { json } = await client.get('/sns/auth', { access_token: 't', openid: 'o' });
    expect(json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(seen).toEqual(['http://api.weixin.example/sns/auth?access_token=t&openid=o']);
  });
});

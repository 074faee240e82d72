import http from 'node:http';
import type { AddressInfo } from 'node:net';
import axios from 'axios';
import { WeChatHttpClient, WeChatTransportError } from '../../lib';
import { FakeWeChatAPI, type Reply } from '../helpers/fake-wechat';

/**
 * `timeout` bounds the whole answer, whichever axios adapter sends the call.
 * axios's stock adapter only has an idle timer on the socket, so a host that
 * sends a byte every 20 ms would hold a call for as long as it likes.
 */
const TIMEOUT = 400;
// 400 bytes at one per 20 ms take 8 s: far past the deadline, and every gap is well under it.
const DRIP: Reply = { trickle: `{"errcode":0,"pad":"${'x'.repeat(380)}"}`, everyMs: 20 };
const OK: Reply = { body: '{"errcode":0,"errmsg":"ok"}' };
// The deadline, plus room for a loaded CI machine; still far below the 8 s of the drip.
const NEAR_THE_DEADLINE = TIMEOUT + 1600;

let dripping: FakeWeChatAPI;
let healthy: FakeWeChatAPI;
beforeEach(async () => {
  dripping = await new FakeWeChatAPI().route('/sns/auth', DRIP).start();
  healthy = await new FakeWeChatAPI().route('/sns/auth', OK).start();
});
afterEach(async () => {
  await Promise.all([dripping.stop(), healthy.stop()]);
});

type ClientClass = typeof WeChatHttpClient;
type ErrorClass = typeof WeChatTransportError;

async function timedFailure(
  call: () => Promise<unknown>,
  errorClass: ErrorClass,
): Promise<{ error: WeChatTransportError; ms: number }> {
  const started = Date.now();
  const error = await call().then(
    () => {
      throw new Error('expected the call to fail');
    },
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(errorClass);
  return { error: error as WeChatTransportError, ms: Date.now() - started };
}

/** The same behaviour, for each way of sending the call. */
function itEnforcesTheDeadline(
  setup: () => { Client: ClientClass; TransportError: ErrorClass; httpClient?: ReturnType<typeof axios.create> },
): void {
  it('fails with a timeout near the deadline, not when the body ends', async () => {
    const { Client, TransportError, httpClient } = setup();
    const client = new Client({ apiBaseURL: dripping.url, timeout: TIMEOUT, ...(httpClient ? { httpClient } : {}) });
    const { error, ms } = await timedFailure(
      () => client.get('/sns/auth', { access_token: 't', openid: 'o' }),
      TransportError,
    );
    expect(error.kind).toBe('timeout');
    expect(error.message).toBe(
      `WeChat API /sns/auth on ${new URL(dripping.url).host} failed (timeout): no answer within ${TIMEOUT} ms`,
    );
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT - 20);
    expect(ms).toBeLessThan(NEAR_THE_DEADLINE);
  });

  it('fails over to the next API base, which answers', async () => {
    const { Client, httpClient } = setup();
    const client = new Client({
      apiBaseURL: [dripping.url, healthy.url],
      timeout: TIMEOUT,
      ...(httpClient ? { httpClient } : {}),
    });
    const started = Date.now();
    const { json } = await client.get('/sns/auth', { access_token: 't', openid: 'o' });
    expect(json).toEqual({ errcode: 0, errmsg: 'ok' });
    expect(Date.now() - started).toBeLessThan(NEAR_THE_DEADLINE);
    expect(dripping.requestsTo('/sns/auth')).toHaveLength(1);
    expect(healthy.requestsTo('/sns/auth')).toHaveLength(1);
  });
}

describe('a host that drips its body one byte at a time', () => {
  describe("through the user's own axios instance (httpClient: axios.create())", () => {
    itEnforcesTheDeadline(() => ({
      Client: WeChatHttpClient,
      TransportError: WeChatTransportError,
      httpClient: axios.create(),
    }));
  });

  describe('through a forward proxy named by HTTP_PROXY / HTTPS_PROXY', () => {
    const saved = { HTTP_PROXY: process.env.HTTP_PROXY, HTTPS_PROXY: process.env.HTTPS_PROXY };
    let proxy: http.Server;
    const forwarded: string[] = [];

    beforeAll(async () => {
      // A real forward proxy: absolute-form requests ("GET http://host/path") are relayed to their host.
      proxy = http.createServer((req, res) => {
        forwarded.push(String(req.url));
        const upstream = http.request(String(req.url), { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        res.on('close', () => upstream.destroy());
        req.pipe(upstream);
      });
      await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
      const url = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
      process.env.HTTP_PROXY = url;
      process.env.HTTPS_PROXY = url;
    });
    afterAll(async () => {
      for (const name of ['HTTP_PROXY', 'HTTPS_PROXY'] as const) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    });

    // A fresh copy of the package for each test: its shared axios instance picks its adapter on first use.
    itEnforcesTheDeadline(() => {
      let fresh: { WeChatHttpClient: ClientClass; WeChatTransportError: ErrorClass } | undefined;
      jest.isolateModules(() => {
        fresh = require('../../lib') as typeof fresh;
      });
      const { WeChatHttpClient: Client, WeChatTransportError: TransportError } = fresh as NonNullable<typeof fresh>;
      return { Client, TransportError };
    });

    it('really sends the calls through the proxy', () => {
      expect(forwarded.length).toBeGreaterThanOrEqual(3);
      expect(forwarded.every((url) => url.startsWith('http://127.0.0.1:') && url.includes('/sns/auth?'))).toBe(true);
    });
  });
});

describe('a POST through the default instance (the lean adapter hands it to the stock adapter)', () => {
  it('is cut off near the deadline too', async () => {
    dripping.route('/cgi-bin/stable_token', DRIP);
    const client = new WeChatHttpClient({ apiBaseURL: dripping.url, timeout: TIMEOUT });
    const { error, ms } = await timedFailure(
      () => client.post('/cgi-bin/stable_token', {}, { grant_type: 'client_credential' }),
      WeChatTransportError,
    );
    expect(error.kind).toBe('timeout');
    expect(ms).toBeLessThan(NEAR_THE_DEADLINE);
  });
});

describe("a failure before the deadline, through the user's own httpClient", () => {
  it('is reported as itself (a reset), not as a timeout', async () => {
    dripping.route('/sns/auth', { reset: true });
    const client = new WeChatHttpClient({ apiBaseURL: dripping.url, timeout: 5000, httpClient: axios.create() });
    const { error, ms } = await timedFailure(
      () => client.get('/sns/auth', { access_token: 't', openid: 'o' }),
      WeChatTransportError,
    );
    expect(error.kind).toBe('ECONNRESET');
    expect(ms).toBeLessThan(5000);
  });
});

describe('timeout: 0', () => {
  it('means no deadline, as in axios, also with a user-supplied httpClient', async () => {
    healthy.route('/sns/auth', { ...OK, delayMs: 150 });
    const client = new WeChatHttpClient({ apiBaseURL: healthy.url, timeout: 0, httpClient: axios.create() });
    const { json } = await client.get('/sns/auth', { access_token: 't', openid: 'o' });
    expect(json).toEqual({ errcode: 0, errmsg: 'ok' });
  });
});

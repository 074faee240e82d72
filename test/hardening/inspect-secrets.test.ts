import util from 'node:util';
import { SignedStateStore, Strategy as WeChatStrategy, WeChatHttpClient, WeChatOAuth2 } from '../../lib';
import { CODE, MP, WEB } from '../fixtures/apps';
import { FakeWeChatAPI, fixture } from '../helpers/fake-wechat';
import { completeLogin } from '../helpers/harness';

/**
 * No secret reaches a log line: `util.inspect` (what console.log prints, here
 * with unlimited depth), and JSON.stringify of the strategy, its clients and a
 * SignedStateStore never contain the app secrets or the HMAC key, in any
 * encoding a Buffer or string could be printed in.
 */
const HMAC_KEY = 'hmac-key-for-states-0123456789abcdefXYZ';
const HMAC_KEY_BUFFER = Buffer.from('f3a9c2e17b4d8056a1e2d3c4b5a69788ffeeddccbbaa99887766554433221100', 'hex');

/** The secret as text, hex, base64, base64url, and as a Buffer prints it: spaced hex bytes (inspect) and a decimal list (JSON). */
function formsOf(secret: string | Buffer): string[] {
  const bytes = Buffer.from(secret);
  const head = [...bytes.subarray(0, 12)];
  return [
    bytes.toString('utf8'),
    bytes.toString('hex'),
    bytes.toString('base64'),
    bytes.toString('base64url'),
    head.map((b) => b.toString(16).padStart(2, '0')).join(' '),
    head.join(','),
  ];
}

/** Every way an object reaches a log: console.log's inspect (unbounded depth), JSON.stringify, and JSON.stringify with cycles cut. */
function printed(value: object): string[] {
  const seen = new WeakSet<object>();
  const acyclic = JSON.stringify(value, (_key, v: unknown) => {
    if (v && typeof v === 'object') {
      if (seen.has(v)) return '[cycle]';
      seen.add(v);
    }
    return v;
  });
  let plain: string;
  try {
    plain = JSON.stringify(value);
  } catch (err) {
    plain = String(err); // a cyclic object: JSON.stringify prints nothing but this error
  }
  return [
    util.inspect(value, { depth: Infinity, showHidden: false }),
    util.inspect(value),
    util.format('%s %j', value, value),
    plain,
    acyclic,
  ];
}

function expectNoSecret(value: object, secrets: Array<string | Buffer>): void {
  const out = printed(value);
  for (const secret of secrets) {
    for (const form of formsOf(secret)) {
      for (const text of out) expect(text).not.toContain(form);
    }
  }
}

let api: FakeWeChatAPI;
beforeEach(async () => {
  api = await new FakeWeChatAPI()
    .route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') })
    .route('/sns/userinfo', { body: fixture('userinfo.json') })
    .start();
});
afterEach(() => api.stop());

describe('what util.inspect and JSON.stringify print', () => {
  describe('a WeChatStrategy with mp and web credentials and a SignedStateStore', () => {
    function build(secret: string | Buffer): WeChatStrategy {
      return new WeChatStrategy({
        ...MP,
        web: WEB,
        client: 'auto',
        callbackURL: 'https://app.example.com/cb',
        apiBaseURL: api.url,
        store: new SignedStateStore({ secret, bindToBrowser: false }),
      });
    }

    it('holds no app secret and no HMAC key (string key)', () => {
      expectNoSecret(build(HMAC_KEY), [MP.appSecret, WEB.appSecret, HMAC_KEY]);
    });

    it('holds no app secret and no HMAC key (Buffer key)', () => {
      expectNoSecret(build(HMAC_KEY_BUFFER), [MP.appSecret, WEB.appSecret, HMAC_KEY_BUFFER]);
    });

    it('still signs states and sends the secret to the token API: a whole login works', async () => {
      const strategy = build(HMAC_KEY);
      const outcome = await completeLogin(strategy, CODE);
      expect(outcome.kind).toBe('success');
      // client 'auto' and a desktop browser: the website app's credentials.
      expect(api.requestsTo('/sns/oauth2/access_token')[0]?.query.secret).toBe(WEB.appSecret);
      expectNoSecret(strategy, [MP.appSecret, WEB.appSecret, HMAC_KEY]);
    });

    it('also holds none when the secrets come from the environment', () => {
      const saved = { id: process.env.WECHAT_APP_ID, secret: process.env.WECHAT_APP_SECRET };
      process.env.WECHAT_APP_ID = MP.appID;
      process.env.WECHAT_APP_SECRET = MP.appSecret;
      try {
        expectNoSecret(new WeChatStrategy({ callbackURL: 'https://app.example.com/cb', apiBaseURL: api.url }), [
          MP.appSecret,
        ]);
      } finally {
        for (const [name, value] of [
          ['WECHAT_APP_ID', saved.id],
          ['WECHAT_APP_SECRET', saved.secret],
        ] as const) {
          if (value === undefined) delete process.env[name];
          else process.env[name] = value;
        }
      }
    });
  });

  describe('a WeChatOAuth2 client', () => {
    it('holds no app secret, and still sends it to the token API', async () => {
      const oauth2 = new WeChatOAuth2(
        MP.appID,
        MP.appSecret,
        '',
        'https://open.weixin.qq.com/connect/oauth2/authorize',
        `${api.url}/sns/oauth2/access_token`,
      );
      expectNoSecret(oauth2, [MP.appSecret]);
      const token = await oauth2.exchangeCode(CODE);
      expect(token.openid).toBe('oAliceOpenid000000000000000x');
      expect(api.requestsTo('/sns/oauth2/access_token')[0]?.query).toMatchObject({
        appid: MP.appID,
        secret: MP.appSecret,
      });
      expectNoSecret(oauth2, [MP.appSecret]);
    });

    it("keeps node-oauth's _clientSecret readable and writable for subclasses and passport-oauth2-refresh", () => {
      const oauth2 = new WeChatOAuth2(
        MP.appID,
        MP.appSecret,
        '',
        'https://x.example/authorize',
        'https://x.example/token',
      );
      const fields = oauth2 as unknown as { _clientSecret: string };
      expect(fields._clientSecret).toBe(MP.appSecret);
      fields._clientSecret = WEB.appSecret;
      expect(fields._clientSecret).toBe(WEB.appSecret);
      expectNoSecret(oauth2, [MP.appSecret, WEB.appSecret]);
    });
  });

  describe('a WeChatHttpClient', () => {
    it('holds no secret', () => {
      expectNoSecret(new WeChatHttpClient({ apiBaseURL: api.url }), [MP.appSecret]);
    });
  });

  describe('a SignedStateStore', () => {
    it.each([
      ['a string key', HMAC_KEY],
      ['a Buffer key', HMAC_KEY_BUFFER],
    ])('holds no HMAC key (%s) in any encoding', (_name, secret) => {
      expectNoSecret(new SignedStateStore({ secret }), [secret]);
    });

    it('still verifies the states it signed, and only those', async () => {
      const store = new SignedStateStore({ secret: HMAC_KEY, bindToBrowser: false });
      const other = new SignedStateStore({ secret: `${HMAC_KEY}-other`, bindToBrowser: false });
      const meta = { authorizationURL: 'a', tokenURL: 't', clientID: MP.appID };
      const state = await new Promise<string>((resolve, reject) =>
        store.store({} as never, undefined, meta, (err, s) => (err ? reject(err) : resolve(s as string))),
      );
      const verdict = (s: SignedStateStore) =>
        new Promise<boolean>((resolve) => s.verify({} as never, state, meta, (_err, ok) => resolve(ok)));
      expect(await verdict(other)).toBe(false);
      expect(await verdict(store)).toBe(true);
    });
  });
});

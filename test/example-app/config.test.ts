/** `loadConfig`: environment → configuration, as pure unit tests. */
import {
  CALLBACK_PATH,
  ConfigError,
  DEFAULT_PORT,
  loadConfig,
  MOCK_DEFAULT_APPS,
  type Env,
} from '../../example-app/config';

const fixedSecret = () => 'generated-dev-secret';
const load = (env: Env) => loadConfig(env, { randomSecret: fixedSecret });

const REAL: Env = {
  WECHAT_APP_ID: 'wx1111111111111111',
  WECHAT_APP_SECRET: 'mp-secret-value-000000000000000000',
  WECHAT_WEB_APP_ID: 'wx2222222222222222',
  WECHAT_WEB_APP_SECRET: 'web-secret-value-00000000000000000',
  WECHAT_CALLBACK_URL: 'https://example.com/auth/wechat/callback',
};

describe('example app: loadConfig', () => {
  describe('mock mode (nothing set)', () => {
    const config = load({});

    it('uses the in-process emulator on any free port, with a relative callback URL', () => {
      expect(config.mode).toBe('mock');
      expect(config.wechat.mockPort).toBe(0);
      expect(config.wechat.callbackURL).toBe(CALLBACK_PATH);
      expect(config.wechat.mp).toBeUndefined();
      expect(config.wechat.authorizationURL).toBeUndefined();
    });

    it('defaults to port 3000, memory sessions, session state store, no proxy', () => {
      expect(config.port).toBe(DEFAULT_PORT);
      expect(DEFAULT_PORT).toBe(3000);
      expect(config.session.redisURL).toBeUndefined();
      expect(config.stateStore).toEqual({ kind: 'session' });
      expect(config.trustProxy).toBe(false);
    });

    it('makes up a session secret and warns about it and about the memory store', () => {
      expect(config.session.secret).toBe('generated-dev-secret');
      expect(config.session.generatedSecret).toBe(true);
      expect(config.warnings.some((w) => w.startsWith('SESSION_SECRET is not set'))).toBe(true);
      expect(config.warnings.some((w) => w.includes('MemoryStore') && w.includes('development'))).toBe(true);
    });

    it('makes a random secret by default', () => {
      const a = loadConfig({}).session.secret;
      const b = loadConfig({}).session.secret;
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(a).not.toBe(b);
    });

    it('treats empty variables as unset (a copied .env.example)', () => {
      const c = load({ WECHAT_APP_ID: '', WECHAT_APP_SECRET: ' ', WECHAT_MOCK_URL: '', PORT: '', REDIS_URL: '' });
      expect(c.mode).toBe('mock');
      expect(c.port).toBe(3000);
    });

    it('takes WECHAT_MOCK_PORT and WECHAT_CALLBACK_URL', () => {
      const c = load({ WECHAT_MOCK_PORT: '3901', WECHAT_CALLBACK_URL: 'http://localhost:3000/auth/wechat/callback' });
      expect(c.wechat.mockPort).toBe(3901);
      expect(c.wechat.callbackURL).toBe('http://localhost:3000/auth/wechat/callback');
    });
  });

  describe('standalone emulator (WECHAT_MOCK_URL)', () => {
    it('points every endpoint at the emulator and uses its default test credentials', () => {
      const c = load({ WECHAT_MOCK_URL: 'http://127.0.0.1:3900/' });
      expect(c.mode).toBe('standalone-mock');
      expect(c.wechat.mockURL).toBe('http://127.0.0.1:3900');
      expect(c.wechat.authorizationURL).toBe('http://127.0.0.1:3900/connect/oauth2/authorize');
      expect(c.wechat.qrconnectURL).toBe('http://127.0.0.1:3900/connect/qrconnect');
      expect(c.wechat.apiBaseURL).toEqual(['http://127.0.0.1:3900', 'http://127.0.0.1:3900/api2']);
      expect(c.wechat.mp).toEqual(MOCK_DEFAULT_APPS.mp);
      expect(c.wechat.web).toEqual(MOCK_DEFAULT_APPS.web);
      expect(c.wechat.callbackURL).toBe(CALLBACK_PATH);
    });

    it('takes the emulator credentials from WECHAT_MOCK_*', () => {
      const c = load({
        WECHAT_MOCK_URL: 'http://127.0.0.1:3900',
        WECHAT_MOCK_APP_ID: 'wxcustommp',
        WECHAT_MOCK_APP_SECRET: 'custom-mp-secret',
        WECHAT_MOCK_WEB_APP_ID: 'wxcustomweb',
        WECHAT_MOCK_WEB_APP_SECRET: 'custom-web-secret',
      });
      expect(c.wechat.mp).toEqual({ appID: 'wxcustommp', appSecret: 'custom-mp-secret' });
      expect(c.wechat.web).toEqual({ appID: 'wxcustomweb', appSecret: 'custom-web-secret' });
    });

    it('rejects a WECHAT_MOCK_URL that is not an http(s) URL', () => {
      expect(() => load({ WECHAT_MOCK_URL: 'localhost:3900' })).toThrow(ConfigError);
      expect(() => load({ WECHAT_MOCK_URL: 'ftp://127.0.0.1' })).toThrow(
        'WECHAT_MOCK_URL must be an absolute http(s) URL',
      );
    });
  });

  describe('real WeChat (credentials set)', () => {
    it('uses real WeChat with both apps and the absolute callback URL', () => {
      const c = load(REAL);
      expect(c.mode).toBe('real');
      expect(c.wechat.mp).toEqual({ appID: REAL.WECHAT_APP_ID, appSecret: REAL.WECHAT_APP_SECRET });
      expect(c.wechat.web).toEqual({ appID: REAL.WECHAT_WEB_APP_ID, appSecret: REAL.WECHAT_WEB_APP_SECRET });
      expect(c.wechat.callbackURL).toBe(REAL.WECHAT_CALLBACK_URL);
      expect(c.wechat.authorizationURL).toBeUndefined();
      expect(c.wechat.apiBaseURL).toBeUndefined();
      expect(c.warnings.some((w) => w.includes('login is disabled'))).toBe(false);
    });

    it('wins over WECHAT_MOCK_URL, with a warning', () => {
      const c = load({ ...REAL, WECHAT_MOCK_URL: 'http://127.0.0.1:3900' });
      expect(c.mode).toBe('real');
      expect(c.warnings).toContain('WECHAT_MOCK_URL is ignored because real WeChat credentials are set.');
    });

    it('works with only one of the two apps, warning which login is disabled', () => {
      const onlyWeb = load({
        WECHAT_WEB_APP_ID: 'wxweb',
        WECHAT_WEB_APP_SECRET: 's',
        WECHAT_CALLBACK_URL: REAL.WECHAT_CALLBACK_URL,
      });
      expect(onlyWeb.mode).toBe('real');
      expect(onlyWeb.wechat.mp).toBeUndefined();
      expect(onlyWeb.warnings.some((w) => w.startsWith('WECHAT_APP_ID is not set'))).toBe(true);
    });

    it('requires the secret with the id (and says which variable, never a value)', () => {
      expect(() => load({ ...REAL, WECHAT_APP_SECRET: undefined })).toThrow(
        'WECHAT_APP_ID is set but WECHAT_APP_SECRET is not',
      );
      expect(() => load({ ...REAL, WECHAT_WEB_APP_ID: '' })).toThrow(
        'WECHAT_WEB_APP_SECRET is set but WECHAT_WEB_APP_ID is not',
      );
      try {
        load({ ...REAL, WECHAT_WEB_APP_ID: '' });
      } catch (err) {
        expect((err as Error).message).not.toContain(REAL.WECHAT_WEB_APP_SECRET);
      }
    });

    it('requires an absolute WECHAT_CALLBACK_URL', () => {
      expect(() => load({ ...REAL, WECHAT_CALLBACK_URL: undefined })).toThrow('WECHAT_CALLBACK_URL is required');
      expect(() => load({ ...REAL, WECHAT_CALLBACK_URL: '/auth/wechat/callback' })).toThrow('must be absolute');
      expect(() => load({ ...REAL, WECHAT_CALLBACK_URL: 'example.com/cb' })).toThrow(ConfigError);
    });
  });

  describe('sessions, proxy, state store, port', () => {
    it('takes SESSION_SECRET without a warning when long enough, and warns when short', () => {
      const long = load({ SESSION_SECRET: 'x'.repeat(40) });
      expect(long.session.secret).toBe('x'.repeat(40));
      expect(long.session.generatedSecret).toBe(false);
      expect(long.warnings.some((w) => w.includes('SESSION_SECRET'))).toBe(false);
      expect(load({ SESSION_SECRET: 'short' }).warnings.some((w) => w.includes('shorter than 32'))).toBe(true);
    });

    it('never puts a secret value in a warning', () => {
      const c = load({
        WECHAT_APP_ID: 'wxmp',
        WECHAT_APP_SECRET: 'mp-zz-secret',
        WECHAT_CALLBACK_URL: 'https://e.com/cb',
        SESSION_SECRET: 'tiny-zz-secret',
        STATE_STORE: 'signed',
        WECHAT_MOCK_URL: 'http://x',
      });
      expect(c.warnings.length).toBeGreaterThanOrEqual(3);
      for (const w of c.warnings) for (const s of ['tiny-zz-secret', 'mp-zz-secret']) expect(w).not.toContain(s);
    });

    it('uses Redis when REDIS_URL is set (and does not warn about MemoryStore)', () => {
      const c = load({ REDIS_URL: 'redis://127.0.0.1:6379' });
      expect(c.session.redisURL).toBe('redis://127.0.0.1:6379');
      expect(c.warnings.some((w) => w.includes('MemoryStore'))).toBe(false);
      expect(() => load({ REDIS_URL: 'http://127.0.0.1:6379' })).toThrow('REDIS_URL must start with redis://');
    });

    it.each([
      ['1', true],
      ['true', true],
      ['0', false],
      [undefined, false],
    ])('TRUST_PROXY=%s → %s', (value, expected) => {
      expect(load({ TRUST_PROXY: value }).trustProxy).toBe(expected);
    });

    it('rejects a TRUST_PROXY it does not understand', () => {
      expect(() => load({ TRUST_PROXY: 'maybe' })).toThrow('TRUST_PROXY must be 1 or 0');
    });

    it('selects the signed state store with STATE_SECRET, else SESSION_SECRET', () => {
      expect(
        load({ STATE_STORE: 'signed', STATE_SECRET: 'state-secret', SESSION_SECRET: 's'.repeat(32) }).stateStore,
      ).toEqual({ kind: 'signed', secret: 'state-secret' });
      expect(load({ STATE_STORE: 'signed', SESSION_SECRET: 's'.repeat(32) }).stateStore).toEqual({
        kind: 'signed',
        secret: 's'.repeat(32),
      });
      const generated = load({ STATE_STORE: 'SIGNED' });
      expect(generated.stateStore).toEqual({ kind: 'signed', secret: 'generated-dev-secret' });
      expect(generated.warnings.some((w) => w.startsWith('STATE_STORE=signed without STATE_SECRET'))).toBe(true);
      expect(() => load({ STATE_STORE: 'cookie' })).toThrow('STATE_STORE must be "session" or "signed"');
    });

    it.each([
      ['8080', 8080],
      ['0', 0],
    ])('PORT=%s → %d', (value, expected) => {
      expect(load({ PORT: value }).port).toBe(expected);
    });

    it.each(['abc', '-1', '65536', '3000.5'])('rejects PORT=%s', (value) => {
      expect(() => load({ PORT: value })).toThrow('PORT must be a port number');
    });
  });
});

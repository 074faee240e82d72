import OAuth2Strategy from 'passport-oauth2';
import {
  Strategy as WeChatStrategy,
  WeChatAPIError,
  type VerifyCallback,
  type WeChatProfile,
  type WeChatTokenResponse,
} from '../lib';
import { FakeWeChatAPI, fixture } from './helpers/fake-wechat';
import { authenticate, completeLogin, fakeRequest, startLogin } from './helpers/harness';
import { MP, WEB, CODE } from './fixtures/apps';

const DESKTOP_UA = 'Mozilla/5.0 (X11; Linux x86_64) Chrome/126.0';
const WECHAT_UA = 'Mozilla/5.0 (iPhone) MicroMessenger/8.0.47';

let api: FakeWeChatAPI;
beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
});
afterEach(() => api.stop());

function strategyWith(extra: Record<string, unknown> = {}, verify?: (...args: any[]) => void) {
  const v = verify ?? ((_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) => done(null, profile));
  return new WeChatStrategy(
    { ...MP, callbackURL: 'https://app.example.com/cb', apiBaseURL: api.url, ...extra } as any,
    v as any,
  );
}

function login(strategy: WeChatStrategy, options: Record<string, unknown> = {}, code = CODE) {
  return completeLogin(strategy, code, options);
}

describe('WeChatStrategy: the callback', () => {
  describe('a successful snsapi_userinfo login', () => {
    beforeEach(() => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json'), contentType: 'text/plain' });
      api.route('/sns/userinfo', { body: fixture('userinfo.json'), contentType: 'text/plain' });
    });

    it('exchanges the code with a GET carrying appid, secret, code and grant_type only', async () => {
      await login(strategyWith());
      const [req] = api.requestsTo('/sns/oauth2/access_token');
      expect(req.method).toBe('GET');
      expect(req.query).toEqual({
        appid: MP.appID,
        secret: MP.appSecret,
        code: CODE,
        grant_type: 'authorization_code',
      });
    });

    it('parses the text/plain JSON and asks /sns/userinfo with the access token, the openid and lang=zh_CN', async () => {
      await login(strategyWith());
      const [req] = api.requestsTo('/sns/userinfo');
      const token = JSON.parse(fixture('token-userinfo.json')) as WeChatTokenResponse;
      expect(req.query).toEqual({ access_token: token.access_token, openid: token.openid, lang: 'zh_CN' });
    });

    it('sends the configured lang', async () => {
      await login(strategyWith({ lang: 'en' }));
      expect(api.requestsTo('/sns/userinfo')[0].query.lang).toBe('en');
    });

    it('succeeds with a normalized profile', async () => {
      const outcome = await login(strategyWith());
      expect(outcome.kind).toBe('success');
      const profile = (outcome as { user: WeChatProfile }).user;
      expect(profile).toMatchObject({
        provider: 'wechat',
        id: 'oAliceOpenid000000000000000x',
        openid: 'oAliceOpenid000000000000000x',
        unionid: 'oUnionAlice00000000000000000x',
        appID: MP.appID,
        client: 'mp',
        scope: 'snsapi_userinfo',
        displayName: 'Alice 爱丽丝',
        photos: [{ value: 'https://thirdwx.qlogo.cn/mmopen/vi_32/alice/132' }],
        isSnapshotUser: false,
      });
      expect(profile.gender).toBeUndefined();
      expect(profile._raw).toBe(fixture('userinfo.json'));
      expect((profile as any).emails).toBeUndefined();
    });

    it('returns app state given at login as info.state', async () => {
      const strategy = strategyWith();
      const started = await startLogin(strategy, {}, { state: 'cart-42' });
      const outcome = await authenticate(strategy, started.callback(CODE));
      expect(outcome.kind === 'success' && outcome.info).toEqual({ state: 'cart-42' });
    });

    it('accepts the state only once', async () => {
      const strategy = strategyWith();
      const started = await startLogin(strategy);
      await authenticate(strategy, started.callback(CODE));
      const replay = await authenticate(strategy, started.callback(CODE));
      expect(replay).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' }, status: 403 });
      expect(api.requestsTo('/sns/oauth2/access_token')).toHaveLength(1);
    });

    it('refuses a state from another session without calling WeChat', async () => {
      const strategy = strategyWith();
      const started = await startLogin(strategy);
      const outcome = await authenticate(strategy, started.callback(CODE, { session: {} }));
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
      expect(api.requests).toHaveLength(0);
    });

    it('refuses a forged state', async () => {
      const strategy = strategyWith();
      const started = await startLogin(strategy);
      const outcome = await authenticate(
        strategy,
        fakeRequest({ session: started.session, query: { code: CODE, state: 'mForgedState0000000000000000000' } }),
      );
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
    });

    it('refuses a callback with a code and no state', async () => {
      const outcome = await authenticate(strategyWith(), fakeRequest({ query: { code: CODE } }));
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
      expect(api.requests).toHaveLength(0);
    });

    describe('under Express 5, whose req.query parses the query string again on every read', () => {
      it('parses it once per callback and leaves the parsed query on the request for the app', async () => {
        const strategy = strategyWith();
        const started = await startLogin(strategy);
        const plain = started.callback(CODE);
        let parses = 0;
        // As Express 5's request prototype: a getter, no setter.
        const proto = Object.defineProperty({}, 'query', {
          get: () => {
            parses += 1;
            return { ...plain.query };
          },
          configurable: true,
        });
        const { query: _query, ...rest } = plain;
        const req = Object.assign(Object.create(proto), rest);
        const outcome = await authenticate(strategy, req);
        expect(outcome.kind).toBe('success');
        expect(parses).toBe(1);
        expect(req.query).toEqual({ code: CODE, state: plain.query.state });
      });
    });
  });

  describe('an snsapi_base login', () => {
    beforeEach(() => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
      api.route('/sns/userinfo', { body: fixture('errcode-48001.json') });
    });

    it('never calls /sns/userinfo (it would answer 48001) and builds the profile from the token response', async () => {
      const outcome = await login(strategyWith({ scope: 'snsapi_base' }));
      expect(api.requestsTo('/sns/userinfo')).toHaveLength(0);
      expect(outcome.kind === 'success' && outcome.user).toMatchObject({
        id: 'oBaseOpenid0000000000000000x',
        scope: 'snsapi_base',
        displayName: '',
      });
    });

    it('keeps tokens out of the profile built from the token response', async () => {
      const outcome = await login(strategyWith({ scope: 'snsapi_base' }));
      const profile = (outcome as { user: WeChatProfile }).user;
      expect(profile._raw).not.toContain('83_ACCESSTOKEN');
      expect(profile._raw).not.toContain('83_REFRESHTOKEN');
      expect(profile.unionid).toBeUndefined();
    });
  });

  describe('skipUserProfile', () => {
    beforeEach(() => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      api.route('/sns/userinfo', { body: fixture('userinfo.json') });
    });

    it.each([
      ['true', true],
      ['a sync function', () => true],
      ['an async function', (_t: string, cb: (e: null, skip: boolean) => void) => cb(null, true)],
    ])(
      '(%s) skips /sns/userinfo and still gives a profile with the openid and unionid',
      async (_name, skipUserProfile) => {
        const outcome = await login(strategyWith({ skipUserProfile }));
        expect(api.requestsTo('/sns/userinfo')).toHaveLength(0);
        expect(outcome.kind === 'success' && outcome.user).toMatchObject({
          openid: 'oAliceOpenid000000000000000x',
          unionid: 'oUnionAlice00000000000000000x',
        });
      },
    );

    it('reports an error from an async skipUserProfile', async () => {
      const outcome = await login(
        strategyWith({ skipUserProfile: (_t: string, cb: (e: Error) => void) => cb(new Error('db down')) }),
      );
      expect(outcome.kind === 'error' && outcome.error.message).toBe('db down');
    });

    it('loads the profile when the function says no', async () => {
      await login(strategyWith({ skipUserProfile: () => false }));
      expect(api.requestsTo('/sns/userinfo')).toHaveLength(1);
    });
  });

  describe('a user who refuses', () => {
    it.each([
      ['state and no code', { state: 'mAnything' }],
      ['code=authdeny', { code: 'authdeny', state: 'mAnything' }],
      ['error=access_denied', { error: 'access_denied', state: 'mAnything' }],
    ])('(%s) fails with access_denied and never redirects to WeChat again', async (_name, query) => {
      const outcome = await authenticate(strategyWith(), fakeRequest({ query }));
      expect(outcome).toEqual({
        kind: 'fail',
        challenge: { message: 'access_denied', detail: expect.any(String) },
        status: 403,
      });
      expect(api.requests).toHaveLength(0);
    });
  });

  describe('malformed callbacks', () => {
    it.each([
      ['two codes', { code: [CODE, CODE], state: 'mX' }],
      ['two states', { code: CODE, state: ['mX', 'mY'] }],
      ['an object code', { code: { $gt: '' }, state: 'mX' }],
    ])('(%s) fail with invalid_request', async (_name, query) => {
      const outcome = await authenticate(strategyWith(), fakeRequest({ query }));
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_request' }, status: 400 });
    });

    it('fails any other error parameter with invalid_request (WeChat sends none; never a 5xx)', async () => {
      const outcome = await authenticate(
        strategyWith(),
        fakeRequest({ query: { error: 'server_error', error_description: 'boom' } }),
      );
      expect(outcome).toMatchObject({ kind: 'fail', status: 400, challenge: { message: 'invalid_request' } });
    });
  });

  describe('code errors (the user should just log in again)', () => {
    it.each([40029, 40163, 42003])(
      'errcode %i under HTTP 200 is fail({ message: "invalid_code", errcode })',
      async (errcode) => {
        api.route('/sns/oauth2/access_token', { body: fixture(`errcode-${errcode}.json`) });
        const outcome = await login(strategyWith());
        expect(outcome).toMatchObject({ kind: 'fail', status: 400, challenge: { message: 'invalid_code', errcode } });
        expect(api.requestsTo('/sns/userinfo')).toHaveLength(0);
      },
    );
  });

  describe('configuration errors (the operator must fix something)', () => {
    it.each([
      [40013, /check appID/],
      [40125, /check appSecret/],
      [40001, /check appSecret/],
      [40164, /IP whitelist/],
    ])('errcode %i reaches error() as the WeChatAPIError itself, saying what to fix', async (errcode, hint) => {
      api.route('/sns/oauth2/access_token', { body: fixture(`errcode-${errcode}.json`) });
      const outcome = await login(strategyWith());
      expect(outcome.kind).toBe('error');
      const error = (outcome as unknown as { error: WeChatAPIError }).error;
      expect(error).toBeInstanceOf(WeChatAPIError);
      expect(error).toMatchObject({
        errcode,
        endpoint: '/sns/oauth2/access_token',
        rid: '652d44d0-1d0af18b-5b069232',
        retryable: false,
      });
      expect(error.message).toMatch(hint);
      expect(error.message).not.toContain(MP.appSecret);
    });

    it('a transport failure reaches error() as an InternalOAuthError naming the host, not the URL', async () => {
      api.route('/sns/oauth2/access_token', { reset: true });
      const outcome = await login(strategyWith());
      const error = (outcome as { error: Error }).error;
      expect(error).toBeInstanceOf(OAuth2Strategy.InternalOAuthError);
      expect(String(error)).toMatch(/\/sns\/oauth2\/access_token on 127\.0\.0\.1:\d+ failed \(ECONNRESET\)/);
      expect(String(error)).not.toContain(CODE);
    });

    it('a token response without access_token or openid is an error, never a user', async () => {
      api.route('/sns/oauth2/access_token', { body: '{"expires_in":7200}' });
      const outcome = await login(strategyWith());
      expect(outcome.kind === 'error' && String(outcome.error)).toMatch(/no access_token or openid/);
    });

    it('an errcode from /sns/userinfo is an error, never a profile', async () => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      api.route('/sns/userinfo', { body: fixture('errcode-40003.json') });
      const outcome = await login(strategyWith());
      expect(outcome.kind).toBe('error');
      expect((outcome as unknown as { error: WeChatAPIError }).error).toMatchObject({
        errcode: 40003,
        endpoint: '/sns/userinfo',
      });
    });

    it('a userinfo body without an openid is an error', async () => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      api.route('/sns/userinfo', { body: '{"nickname":"x"}' });
      const outcome = await login(strategyWith());
      expect(outcome.kind === 'error' && outcome.error.message).toMatch(/no openid/);
    });
  });

  describe('snapshot-page users (is_snapshotuser: 1)', () => {
    beforeEach(() => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-snapshot.json') });
      api.route('/sns/userinfo', {
        body: '{"openid":"oSnapVirtual0000000000000000","nickname":"微信用户","sex":0,"headimgurl":""}',
      });
    });

    it('fail with snapshot_user by default, and verify is never called', async () => {
      const verify = jest.fn();
      const outcome = await login(strategyWith({}, verify));
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'snapshot_user' }, status: 403 });
      expect(verify).not.toHaveBeenCalled();
      expect(api.requestsTo('/sns/userinfo')).toHaveLength(0);
    });

    it("reach verify flagged isSnapshotUser with snapshotUsers: 'allow'", async () => {
      const outcome = await login(strategyWith({ snapshotUsers: 'allow' }));
      expect(outcome.kind === 'success' && outcome.user).toMatchObject({
        isSnapshotUser: true,
        openid: 'oSnapVirtual0000000000000000',
      });
    });
  });

  describe('verify arities (as passport-oauth2)', () => {
    beforeEach(() => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      api.route('/sns/userinfo', { body: fixture('userinfo.json') });
    });
    const token = JSON.parse(fixture('token-userinfo.json')) as WeChatTokenResponse;

    it('4: (accessToken, refreshToken, profile, done)', async () => {
      const seen: unknown[] = [];
      const outcome = await login(
        new WeChatStrategy(
          { ...MP, callbackURL: 'https://a.example.com/cb', apiBaseURL: api.url },
          (accessToken, refreshToken, profile, done) => {
            seen.push(accessToken, refreshToken, profile.openid);
            done(null, { id: profile.id });
          },
        ),
      );
      expect(seen).toEqual([token.access_token, token.refresh_token, token.openid]);
      expect(outcome.kind === 'success' && outcome.user).toEqual({ id: token.openid });
    });

    it('5: (accessToken, refreshToken, params, profile, done) with the token response as params', async () => {
      let params: WeChatTokenResponse | undefined;
      await login(
        new WeChatStrategy(
          { ...MP, callbackURL: 'https://a.example.com/cb', apiBaseURL: api.url },
          (_a: string, _r: string, p: WeChatTokenResponse, profile: WeChatProfile, done: VerifyCallback) => {
            params = p;
            done(null, profile);
          },
        ),
      );
      expect(params).toMatchObject({
        openid: token.openid,
        unionid: token.unionid,
        scope: 'snsapi_userinfo',
        expires_in: 7200,
      });
    });

    it('5 with passReqToCallback: (req, accessToken, refreshToken, profile, done)', async () => {
      let sawReq = false;
      await login(
        new WeChatStrategy(
          { ...MP, callbackURL: 'https://a.example.com/cb', apiBaseURL: api.url, passReqToCallback: true },
          (req, _a, _r, profile, done) => {
            sawReq = req.query.code === CODE;
            done(null, profile);
          },
        ),
      );
      expect(sawReq).toBe(true);
    });

    it('6: (req, accessToken, refreshToken, params, profile, done)', async () => {
      let got: unknown;
      await login(
        new WeChatStrategy(
          { ...MP, callbackURL: 'https://a.example.com/cb', apiBaseURL: api.url, passReqToCallback: true },
          (
            _req: unknown,
            _a: string,
            _r: string,
            params: WeChatTokenResponse,
            profile: WeChatProfile,
            done: VerifyCallback,
          ) => {
            got = [params.openid, profile.openid];
            done(null, profile);
          },
        ),
      );
      expect(got).toEqual([token.openid, token.openid]);
    });

    it('a verify that answers false fails with its info', async () => {
      const outcome = await login(
        strategyWith({}, (_a: string, _r: string, _p: WeChatProfile, done: VerifyCallback) =>
          done(null, false, { message: 'not invited' }),
        ),
      );
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'not invited' } });
    });

    it('a verify that throws becomes error()', async () => {
      const outcome = await login(
        strategyWith({}, () => {
          throw new Error('verify blew up');
        }),
      );
      expect(outcome.kind === 'error' && outcome.error.message).toBe('verify blew up');
    });
  });

  describe('the default verify', () => {
    it('hands the profile to passport as the user', async () => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
      const strategy = new WeChatStrategy({
        ...MP,
        callbackURL: 'https://a.example.com/cb',
        apiBaseURL: api.url,
        scope: 'snsapi_base',
      });
      const outcome = await login(strategy);
      expect(outcome.kind === 'success' && outcome.user).toMatchObject({
        provider: 'wechat',
        openid: 'oBaseOpenid0000000000000000x',
      });
    });
  });

  describe("client: 'auto' callbacks", () => {
    beforeEach(() => {
      api.route('/sns/oauth2/access_token', { body: fixture('token-userinfo.json') });
      api.route('/sns/userinfo', { body: fixture('userinfo.json') });
    });
    const auto = () => strategyWith({ client: 'auto', web: WEB });

    it('redeem a QR login code with the website app credentials the state remembers', async () => {
      const strategy = auto();
      const started = await startLogin(strategy, { headers: { 'user-agent': DESKTOP_UA } });
      // The callback may arrive on any browser UA: the state, not the UA, decides.
      const outcome = await authenticate(strategy, started.callback(CODE, { headers: { 'user-agent': WECHAT_UA } }));
      expect(api.requestsTo('/sns/oauth2/access_token')[0].query).toMatchObject({
        appid: WEB.appID,
        secret: WEB.appSecret,
      });
      expect(outcome.kind === 'success' && outcome.user).toMatchObject({ client: 'web', appID: WEB.appID });
    });

    it('redeem an in-WeChat login code with the mp credentials', async () => {
      const strategy = auto();
      const started = await startLogin(strategy, { headers: { 'user-agent': WECHAT_UA } });
      await authenticate(strategy, started.callback(CODE));
      expect(api.requestsTo('/sns/oauth2/access_token')[0].query).toMatchObject({ appid: MP.appID });
    });

    it('refuse a state whose app tag was flipped, without redeeming the code', async () => {
      const strategy = auto();
      const started = await startLogin(strategy, { headers: { 'user-agent': DESKTOP_UA } });
      const flipped = 'm' + started.state.slice(1);
      const outcome = await authenticate(
        strategy,
        fakeRequest({ session: started.session, query: { code: CODE, state: flipped } }),
      );
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
      expect(api.requests).toHaveLength(0);
    });

    it('refuse a state without a known app tag', async () => {
      const outcome = await authenticate(auto(), fakeRequest({ query: { code: CODE, state: 'xUnknown' } }));
      expect(outcome).toMatchObject({ kind: 'fail', challenge: { message: 'invalid_state' } });
    });
  });

  describe('two logins interleaved', () => {
    it('never mix up users: each verify sees the profile of its own token', async () => {
      const users: Record<string, { openid: string; nickname: string }> = {
        codeAlice0000000000000000000000: { openid: 'oAlice', nickname: 'Alice' },
        codeBob000000000000000000000000: { openid: 'oBob', nickname: 'Bob' },
      };
      // Alice's token answer is slow and Bob's userinfo is slow, so the two
      // flows overlap in both orders.
      api.route('/sns/oauth2/access_token', (req) => {
        const u = users[req.query.code];
        return {
          body: JSON.stringify({
            access_token: `AT-${u.openid}`,
            expires_in: 7200,
            refresh_token: `RT-${u.openid}`,
            openid: u.openid,
            scope: 'snsapi_userinfo',
          }),
          delayMs: u.openid === 'oAlice' ? 150 : 10,
        };
      });
      api.route('/sns/userinfo', (req) => {
        const u = Object.values(users).find((x) => `AT-${x.openid}` === req.query.access_token)!;
        return {
          body: JSON.stringify({ openid: req.query.openid, nickname: u.nickname }),
          delayMs: u.openid === 'oBob' ? 200 : 10,
        };
      });
      const strategy = strategyWith(
        {},
        (accessToken: string, _r: string, profile: WeChatProfile, done: VerifyCallback) =>
          done(null, { accessToken, openid: profile.openid, nickname: profile.displayName }),
      );
      const alice = await startLogin(strategy);
      const bob = await startLogin(strategy);
      const [a, b] = await Promise.all([
        authenticate(strategy, alice.callback('codeAlice0000000000000000000000')),
        authenticate(strategy, bob.callback('codeBob000000000000000000000000')),
      ]);
      expect(a.kind === 'success' && a.user).toEqual({ accessToken: 'AT-oAlice', openid: 'oAlice', nickname: 'Alice' });
      expect(b.kind === 'success' && b.user).toEqual({ accessToken: 'AT-oBob', openid: 'oBob', nickname: 'Bob' });
      for (const r of api.requestsTo('/sns/userinfo')) expect(r.query.access_token).toBe(`AT-${r.query.openid}`);
    });
  });

  describe('userProfile called outside a login', () => {
    it('explains that the openid is needed', (done) => {
      strategyWith().userProfile('some-token', (err) => {
        expect(String(err)).toMatch(/needs the openid.*getUserInfo/);
        done();
      });
    });
  });
});

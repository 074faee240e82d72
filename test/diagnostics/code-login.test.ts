/**
 * What a subscriber sees of a code login (WeChatMiniProgramStrategy against
 * the emulator): the login span with surface `miniprogram`, its outcome and
 * duplicate role, the jscode2session upstream span, and the `retry` mark of
 * a server call repeated after a stale access token.
 */
import { WeChatMiniProgramStrategy } from '../../lib';
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { authenticate, postJSON } from '../miniprogram/helpers';
import { request } from '../testing/helpers';
import { recordDiagnostics, type Recorder } from './record';

const JSCODE = '/sns/jscode2session';
const PHONE = '/wxa/business/getuserphonenumber';

let mock: MockWeChat;
let recorder: Recorder;
const strategy = () =>
  new WeChatMiniProgramStrategy({ ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL, timeout: 300 });

beforeAll(async () => {
  mock = await createMockWeChat({ slowMs: 200 });
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  recorder = recordDiagnostics();
});
afterEach(() => recorder.stop());

describe('diagnostics of a code login (WeChatMiniProgramStrategy)', () => {
  describe('a login that succeeds', () => {
    it('publishes the login (surface miniprogram, role leader) and the jscode2session call', async () => {
      const outcome = await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('success');
      expect(recorder.logins()).toEqual([
        expect.objectContaining({
          strategy: 'wechat-miniprogram',
          surface: 'miniprogram',
          role: 'leader',
          outcome: 'success',
        }),
      ]);
      expect(recorder.upstream()).toEqual([
        expect.objectContaining({ endpoint: JSCODE, status: 200, errcode: 0, attempt: 1, failover: false }),
      ]);
    });
  });

  describe('a login that fails', () => {
    it('no code: role none, message invalid_request, status 400, no upstream call', async () => {
      await authenticate(strategy(), postJSON({}));
      expect(recorder.logins()).toEqual([
        expect.objectContaining({ role: 'none', outcome: 'fail', message: 'invalid_request', status: 400 }),
      ]);
      expect(recorder.upstream()).toEqual([]);
    });

    it('a used code: outcome fail with the errcode', async () => {
      const code = mock.miniProgramLogin('alice');
      await authenticate(strategy(), postJSON({ code }));
      await authenticate(strategy(), postJSON({ code }));
      const [, second] = recorder.logins();
      expect(second).toMatchObject({ outcome: 'fail', role: 'leader', errcode: 40163 });
    });
  });

  describe('a login that errs', () => {
    it('WeChat failing on both bases: outcome error with the error name', async () => {
      mock.setFault(JSCODE, '502', 1);
      mock.setFault(`/api2${JSCODE}`, '502', 1);
      const outcome = await authenticate(strategy(), postJSON({ code: mock.miniProgramLogin('alice') }));
      expect(outcome.kind).toBe('error');
      expect(recorder.logins()).toEqual([
        expect.objectContaining({ outcome: 'error', errorName: 'WeChatTransportError' }),
      ]);
      expect(recorder.upstream().map((u) => [u.attempt, u.failover, u.status])).toEqual([
        [1, false, 502],
        [2, true, 502],
      ]);
    });
  });

  describe('the same code posted twice at once', () => {
    it('publishes a leader and a follower, with one exchange', async () => {
      mock.setFault(JSCODE, 'slow', 1);
      const s = strategy();
      const code = mock.miniProgramLogin('alice');
      const outcomes = await Promise.all([authenticate(s, postJSON({ code })), authenticate(s, postJSON({ code }))]);
      expect(outcomes.map((o) => o.kind)).toEqual(['success', 'success']);
      expect(
        recorder
          .logins()
          .map((l) => l.role)
          .sort(),
      ).toEqual(['follower', 'leader']);
      expect(recorder.upstream().filter((u) => u.endpoint === JSCODE)).toHaveLength(1);
    });
  });

  describe('a server call repeated after a stale access token', () => {
    it('marks the second phone-number call retry: true', async () => {
      const s = strategy();
      await s.accessTokens.getAccessToken();
      // Another instance forces a new token: the one cached here goes stale (40001).
      const { appID, appSecret } = mock.apps.miniprogram;
      await request(`${mock.url}/cgi-bin/stable_token`, {
        method: 'POST',
        body: JSON.stringify({ grant_type: 'client_credential', appid: appID, secret: appSecret, force_refresh: true }),
        headers: { 'content-type': 'application/json' },
      });
      await s.getPhoneNumber(mock.phoneCode('alice'));
      const phoneCalls = recorder.upstream().filter((u) => u.endpoint === PHONE);
      expect(phoneCalls).toEqual([
        expect.objectContaining({ method: 'POST', retry: false, errcode: 40001 }),
        expect.objectContaining({ method: 'POST', retry: true, errcode: 0 }),
      ]);
    });
  });
});

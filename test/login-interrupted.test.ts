/**
 * A duplicate whose first request never settled (its instance died
 * mid-exchange) fails with `login_interrupted` (503): the user only has to
 * log in again. A store that fails stays an error. Both through the one join
 * every login kind uses: redirect logins (RedirectLogin, WeChatStrategy) and
 * code logins (Mini Program, App). No duplicate is ever logged in without its
 * first request's outcome, and none redeems the code itself.
 */
import type { Request } from 'express';
import {
  WeChatAppStrategy,
  WeChatLoginInterruptedError,
  WeChatMiniProgramStrategy,
  WeChatStoreError,
  type CallbackDeduplicator,
} from '../lib';
import { joinDuplicates } from '../lib/coordination/join';
import { RedirectLogin } from '../lib/redirect/login';
import { createMockWeChat, type MockWeChat } from '../lib/testing';
import { Browser, startLoginApp, tokenExchanges } from './helpers/login-app';
import { authenticate, postJSON, requestCount } from './miniprogram/helpers';

const interrupted = () =>
  new WeChatLoginInterruptedError(
    'wait_expired',
    'A duplicate login waited 5000 ms for its first request; log in again.',
  );
const storeDown = () => new WeChatStoreError('redis', 'timeout', 'Redis did not answer GET within 2000 ms.');

/** A deduplicator that makes every request a follower whose wait ends with `reason`. */
function followerRejecting(reason: () => Error): CallbackDeduplicator {
  return { begin: async () => ({ role: 'follower', outcome: Promise.reject(reason()) }) };
}

type Ending =
  | { kind: 'success'; user: unknown }
  | { kind: 'fail'; challenge: unknown; status?: number }
  | { kind: 'error'; error: Error };

function runRedirect(deduplicator: CallbackDeduplicator): Promise<Ending> {
  return new Promise((resolve, reject) => {
    const login = new RedirectLogin(undefined, deduplicator);
    // A duplicate carries the browser's cookie: that is what joins it to its first request.
    const req = { headers: { cookie: 'sid=pre-login' } } as unknown as Request;
    login.callback(
      req,
      {
        success: (user) => resolve({ kind: 'success', user }),
        fail: (challenge, status) => resolve({ kind: 'fail', challenge, status }),
        error: (error) => resolve({ kind: 'error', error }),
      },
      {
        key: ['wechat-callback', 'STATE', 'CODE'],
        lead: () => reject(new Error('a follower must not redeem the code')),
        reverify: () => reject(new Error('a follower without an outcome must not run verify')),
      },
    );
  });
}

describe('joinDuplicates', () => {
  it('maps an interrupted wait onto the follow path as a 503 login_interrupted fail, and a store failure onto error', async () => {
    const ends = await Promise.all(
      [interrupted, storeDown].map(
        (reason) =>
          new Promise<unknown[]>((resolve) =>
            joinDuplicates(followerRejecting(reason), 'k', {
              lead: () => resolve(['lead']),
              follow: (outcome) => resolve(['follow', outcome]),
              error: (err) => resolve(['error', err.name]),
            }),
          ),
      ),
    );
    expect(ends).toEqual([
      [
        'follow',
        {
          kind: 'fail',
          challenge: { message: 'login_interrupted', detail: interrupted().message },
          status: 503,
        },
      ],
      ['error', 'WeChatStoreError'],
    ]);
  });
});

describe('RedirectLogin (WeChatStrategy, WeComStrategy)', () => {
  it('a follower whose leader never settled fails with login_interrupted, 503', async () => {
    expect(await runRedirect(followerRejecting(interrupted))).toEqual({
      kind: 'fail',
      challenge: { message: 'login_interrupted', detail: expect.stringMatching(/log in again/) },
      status: 503,
    });
  });

  it('a follower whose store failed ends with the WeChatStoreError', async () => {
    const ending = await runRedirect(followerRejecting(storeDown));
    expect(ending.kind).toBe('error');
    expect((ending as { error: Error }).error).toBeInstanceOf(WeChatStoreError);
  });
});

describe('strategies against the emulator', () => {
  let mock: MockWeChat;
  beforeAll(async () => {
    mock = await createMockWeChat();
  });
  afterAll(() => mock.close());
  beforeEach(() => {
    mock.reset();
    mock.setAutoConsent({ user: 'alice', decision: 'allow' });
  });

  it('WeChatStrategy: the interrupted duplicate fails (login_interrupted), logs nobody in and exchanges no code', async () => {
    const app = await startLoginApp(mock, { strategy: { deduplicator: followerRejecting(interrupted) } });
    try {
      const browser = new Browser();
      const res = await browser.get(await browser.callbackURL(app.url));
      expect(res.status).toBe(401); // the test app answers every fail 401
      expect(((await res.json()) as { failed: { message: string } }).failed.message).toBe('login_interrupted');
      expect(app.errors).toEqual([]);
      expect(await browser.me(app.url)).toBeNull();
      expect(await tokenExchanges(mock)).toBe(0);
    } finally {
      await app.close();
    }
  });

  it.each([
    [
      'WeChatMiniProgramStrategy',
      '/sns/jscode2session',
      (deduplicator: CallbackDeduplicator) =>
        new WeChatMiniProgramStrategy({ ...mock.apps.miniprogram, apiBaseURL: mock.apiBaseURL, deduplicator }),
    ],
    [
      'WeChatAppStrategy',
      '/sns/oauth2/access_token',
      (deduplicator: CallbackDeduplicator) =>
        new WeChatAppStrategy(
          { ...mock.apps.app, apiBaseURL: mock.apiBaseURL, deduplicator } as never,
          ((_a: string, _r: string, profile: { openid: string }, done: (e: null, u: object) => void) =>
            done(null, { openid: profile.openid })) as never,
        ),
    ],
  ])('%s: fail 503 login_interrupted when interrupted, error on a store failure', async (_name, path, make) => {
    const code = () => ({ code: 'a-code-the-first-request-holds' });
    expect(await authenticate(make(followerRejecting(interrupted)), postJSON(code()))).toEqual({
      kind: 'fail',
      challenge: { message: 'login_interrupted', detail: expect.stringMatching(/log in again/) },
      status: 503,
    });
    const failed = await authenticate(make(followerRejecting(storeDown)), postJSON(code()));
    expect(failed).toMatchObject({ kind: 'error', error: { name: 'WeChatStoreError', reason: 'timeout' } });
    expect(await requestCount(mock, path)).toBe(0);
  });
});

import {
  MemorySeenStore,
  SessionStateStore,
  Strategy as WeChatStrategy,
  type VerifyCallback,
  type WeChatProfile,
} from '../lib';
import { dedupeKey, MemoryDeduplicator } from '../lib/coordination/dedupe';
import { follow, lead } from './helpers/dedupe';
import { ClientTaggedStore } from '../lib/redirect/tagged-state';
import { FakeWeChatAPI, fixture } from './helpers/fake-wechat';
import { authenticate, fakeRequest, startLogin } from './helpers/harness';
import { META, MP, CODE } from './fixtures/apps';

let api: FakeWeChatAPI;
beforeEach(async () => {
  api = await new FakeWeChatAPI().start();
  api.route('/sns/oauth2/access_token', { body: fixture('token-base.json') });
});
afterEach(() => api.stop());

const verify = (_a: string, _r: string, profile: WeChatProfile, done: VerifyCallback) => done(null, profile);
const withStore = (store: unknown, extra: Record<string, unknown> = {}) =>
  new WeChatStrategy(
    {
      ...MP,
      scope: 'snsapi_base',
      callbackURL: 'https://a.example.com/cb',
      apiBaseURL: api.url,
      store: store as never,
      ...extra,
    },
    verify,
  );

describe('custom state stores (passport-oauth2 interface)', () => {
  it('a 2-argument store and 3-argument verify work, wrapped with the app tag', async () => {
    const issued = new Set<string>();
    const store = {
      store: (_req: unknown, cb: (e: null, s: string) => void) => {
        issued.add('Custom123');
        cb(null, 'Custom123');
      },
      verify: (_req: unknown, state: string, cb: (e: null, ok: boolean) => void) => cb(null, issued.delete(state)),
    };
    const s = withStore(store);
    const started = await startLogin(s);
    expect(started.state).toBe('mCustom123');
    expect((await authenticate(s, started.callback(CODE))).kind).toBe('success');
  });

  it('a 3-argument store receives the metadata', async () => {
    let seen: { clientID?: string } = {};
    const store = {
      store: (_req: unknown, meta: { clientID: string }, cb: (e: null, s: string) => void) => {
        seen = meta;
        cb(null, 'abc');
      },
      verify: (_req: unknown, _s: string, _m: unknown, cb: (e: null, ok: boolean) => void) => cb(null, true),
    };
    await startLogin(withStore(store));
    expect(seen.clientID).toBe(MP.appID);
  });

  it('a store that makes a state WeChat would reject is a configuration error', async () => {
    const store = {
      store: (_r: unknown, cb: (e: null, s: string) => void) => cb(null, 'has-dash'),
      verify: () => undefined,
    };
    const outcome = await authenticate(withStore(store), fakeRequest());
    expect(outcome.kind === 'error' && outcome.error.message).toMatch(/state WeChat and WeCom would reject/);
  });

  it('a store error is passed on', async () => {
    const store = {
      store: (_r: unknown, cb: (e: Error) => void) => cb(new Error('store down')),
      verify: () => undefined,
    };
    const outcome = await authenticate(withStore(store), fakeRequest());
    expect(outcome.kind === 'error' && outcome.error.message).toBe('store down');
  });

  it('state: false sends only the app tag and still knows the app on the callback', async () => {
    const s = new WeChatStrategy(
      { ...MP, scope: 'snsapi_base', callbackURL: 'https://a.example.com/cb', apiBaseURL: api.url, state: false },
      verify,
    );
    const started = await startLogin(s);
    expect(started.state).toBe('m');
    expect((await authenticate(s, started.callback(CODE))).kind).toBe('success');
  });

  it('the tag wrapper refuses a missing state', () => {
    expect.assertions(1);
    const tagged = new ClientTaggedStore(undefined, { mp: 'm', web: 'w' }, () => 'mp');
    tagged.verify(fakeRequest(), undefined as never, META, (err, ok, info) => {
      expect([err, ok, (info as { message: string }).message]).toEqual([null, false, 'invalid_state']);
    });
  });
});

describe('SessionStateStore', () => {
  it('keeps at most maxPending logins per session, dropping the oldest', async () => {
    const store = new SessionStateStore({ maxPending: 2 });
    const req = fakeRequest();
    const states: string[] = [];
    for (let i = 0; i < 3; i++) store.store(req, undefined, META, (_e, s) => states.push(s as string));
    expect(req.session['wechat:oauth2'].map((p: { handle: string }) => p.handle)).toEqual(states.slice(1));
  });

  it('stores pending logins as a list of same-shaped records (no state as a property name)', () => {
    const store = new SessionStateStore();
    const req = fakeRequest();
    let state = '';
    store.store(req, { returnTo: '/cart' }, META, (_e, s) => (state = s as string));
    expect(req.session['wechat:oauth2']).toEqual([
      { handle: state, appID: META.clientID, expires: expect.any(Number), appState: { returnTo: '/cart' } },
    ]);
  });

  it('treats anything else under its key (an older layout, a stray value) as no pending login', (done) => {
    const store = new SessionStateStore();
    const req = fakeRequest();
    req.session['wechat:oauth2'] = { abc: { appID: META.clientID, expires: Date.now() + 60000 } };
    store.verify(req, 'abc', META, (err, ok, info) => {
      expect([err, ok, (info as { message: string }).message]).toEqual([null, false, 'invalid_state']);
      done();
    });
  });

  describe('with a shared seen store (several instances loading the same session)', () => {
    const verifyWith = (store: SessionStateStore, req: ReturnType<typeof fakeRequest>, state: string) =>
      new Promise<{ err: Error | null; ok: boolean; info: unknown }>((resolve) =>
        store.verify(req, state, META, (err, ok, info) => resolve({ err, ok, info })),
      );

    it('only the request that wins the claim consumes the state; the loser leaves its copy of the session untouched', async () => {
      const seen = new MemorySeenStore();
      const store = new SessionStateStore({ seen });
      const first = fakeRequest();
      let state = '';
      store.store(first, undefined, META, (_e, s) => (state = s as string));
      // A second instance loaded the same session before the first one saved it.
      const second = fakeRequest();
      second.session['wechat:oauth2'] = structuredClone(first.session['wechat:oauth2']);
      expect((await verifyWith(store, first, state)).ok).toBe(true);
      const lost = await verifyWith(
        new SessionStateStore({ seen: { add: async (k, t) => seen.add(k, t) } }),
        second,
        state,
      );
      expect([lost.ok, (lost.info as { detail: string }).detail]).toEqual([false, 'This state was already used.']);
      expect(second.session['wechat:oauth2']).toHaveLength(1);
    });

    it("a seen store that throws or rejects is the request's error, not a login", async () => {
      for (const seen of [
        {
          add: (): boolean => {
            throw new Error('store down');
          },
        },
        { add: () => Promise.reject(new Error('store down')) },
      ]) {
        const store = new SessionStateStore({ seen });
        const req = fakeRequest();
        let state = '';
        store.store(req, undefined, META, (_e, s) => (state = s as string));
        const result = await verifyWith(store, req, state);
        expect([result.err?.message, result.ok]).toEqual(['store down', false]);
      }
    });
  });

  it('refuses an expired state', (done) => {
    const store = new SessionStateStore({ maxAge: -1 });
    const req = fakeRequest();
    store.store(req, undefined, META, (_e, state) => {
      store.verify(req, state as string, META, (_err, ok, info) => {
        expect(ok).toBe(false);
        expect((info as { detail: string }).detail).toMatch(/expired/);
        done();
      });
    });
  });

  it('refuses a state issued for another app', (done) => {
    const store = new SessionStateStore();
    const req = fakeRequest();
    store.store(req, undefined, META, (_e, state) => {
      store.verify(req, state as string, { ...META, clientID: 'wxother' }, (_err, ok, info) => {
        expect(ok).toBe(false);
        expect((info as { detail: string }).detail).toMatch(/another WeChat app/);
        done();
      });
    });
  });

  it('refuses prototype keys as states', (done) => {
    const store = new SessionStateStore();
    const req = fakeRequest();
    store.store(req, undefined, META, () => {
      store.verify(req, '__proto__', META, (_err, ok) => {
        expect(ok).toBe(false);
        done();
      });
    });
  });

  it('needs a session to verify too', (done) => {
    const req = fakeRequest();
    delete req.session;
    new SessionStateStore().verify(req, 'x', META, (err) => {
      expect(String(err)).toMatch(/requires session support/);
      done();
    });
  });
});

describe('MemoryDeduplicator', () => {
  it('replays the first outcome to a duplicate that arrives after it settled', async () => {
    const dedupe = new MemoryDeduplicator();
    lead(dedupe.begin('k'))({ kind: 'fail', challenge: { message: 'x' } });
    await expect(follow(dedupe.begin('k'))).resolves.toEqual({ kind: 'fail', challenge: { message: 'x' } });
  });

  it('hands a duplicate in flight the outcome once it settles, and settles once', async () => {
    const dedupe = new MemoryDeduplicator();
    const settle = lead(dedupe.begin('k'));
    const waiting = follow(dedupe.begin('k'));
    settle({ kind: 'success', user: 1 });
    settle({ kind: 'success', user: 2 });
    await expect(waiting).resolves.toEqual({ kind: 'success', user: 1 });
    await expect(follow(dedupe.begin('k'))).resolves.toEqual({ kind: 'success', user: 1 });
  });

  it('stays bounded and forgets expired entries', () => {
    const dedupe = new MemoryDeduplicator({ maxEntries: 50 });
    for (let i = 0; i < 500; i++) dedupe.begin(`k${i}`);
    expect(dedupe.size).toBe(50);
    const expiring = new MemoryDeduplicator({ windowMs: -1 });
    expiring.begin('a');
    expect(expiring.begin('a').role).toBe('leader');
  });

  it('forgets a settled callback after settledMs, long before the in-flight window', () => {
    const dedupe = new MemoryDeduplicator({ settledMs: -1 });
    lead(dedupe.begin('k'))({ kind: 'success', user: { id: 1 } });
    expect(dedupe.begin('k').role).toBe('leader');
  });

  it('with remember: false, serves the duplicates already waiting and then forgets the key', async () => {
    const dedupe = new MemoryDeduplicator();
    const settle = lead(dedupe.begin('junk'));
    const waiting = follow(dedupe.begin('junk'));
    settle({ kind: 'fail', challenge: { message: 'invalid_state' } }, { remember: false });
    await expect(waiting).resolves.toEqual({ kind: 'fail', challenge: { message: 'invalid_state' } });
    expect(dedupe.size).toBe(0);
    expect(dedupe.begin('junk').role).toBe('leader');
  });

  it('keys differ by browser and name no part they were made from', () => {
    const a = dedupeKey('wechat-callback', 'state', 'CODE123', 'cookies:sid=1');
    expect(a).not.toBe(dedupeKey('wechat-callback', 'state', 'CODE123', 'cookies:sid=2'));
    expect(a).not.toContain('CODE123');
  });
});

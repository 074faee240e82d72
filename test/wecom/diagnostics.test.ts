/**
 * WeCom logins publish on the same diagnostics channels as WeChat's, from
 * the shared redirect-login core, named by strategy and surface.
 */
import { createMockWeChat, type MockWeChat } from '../../lib/testing';
import { Browser } from '../helpers/login-app';
import { recordDiagnostics, type Recorder } from '../diagnostics/record';
import { DESKTOP_UA, logInAs, startWeComApp, WXWORK_UA, type WeComApp } from './helpers';

let mock: MockWeChat;
let app: WeComApp | undefined;
let recorder: Recorder;

beforeAll(async () => {
  mock = await createMockWeChat();
});
afterAll(() => mock.close());
beforeEach(() => {
  mock.reset();
  recorder = recordDiagnostics();
});
afterEach(async () => {
  recorder.stop();
  await app?.close();
  app = undefined;
});

describe('WeCom login diagnostics', () => {
  it('a login inside WeCom: strategy wecom, surface wecom, success, with its upstream calls on the upstream channel', async () => {
    app = await startWeComApp(mock, { profile: 'member' });
    expect((await logInAs(mock, app, 'zhangsan', new Browser(WXWORK_UA))).status).toBe(200);
    expect(recorder.logins()).toEqual([
      expect.objectContaining({ strategy: 'wecom', surface: 'wecom', outcome: 'success', role: 'leader' }),
    ]);
    expect(recorder.upstream().map((u) => u.endpoint)).toEqual([
      '/cgi-bin/gettoken',
      '/cgi-bin/auth/getuserinfo',
      '/cgi-bin/user/get',
    ]);
  });

  it('a guest refused in a browser: surface wecom-web, fail not_member', async () => {
    app = await startWeComApp(mock);
    expect((await logInAs(mock, app, 'guest', new Browser(DESKTOP_UA))).status).toBe(403);
    expect(recorder.logins()).toEqual([
      expect.objectContaining({ surface: 'wecom-web', outcome: 'fail', message: 'not_member', status: 403 }),
    ]);
  });

  it('no payload carries the corp token, the secret or the code', async () => {
    app = await startWeComApp(mock);
    await logInAs(mock, app, 'zhangsan');
    const token = await app.strategy.accessTokens.getAccessToken();
    const text = recorder.texts().join('\n');
    expect(text).not.toContain(token);
    expect(text).not.toContain(mock.apps.wecom.agentSecret);
    expect(text).not.toMatch(/code=/);
  });
});

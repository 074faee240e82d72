/**
 * The example app's /metrics: Prometheus text fed by the package's
 * diagnostics channels (example-app/metrics.ts).
 */
import { login, startApp, TestBrowser, WECHAT_UA, type Harness } from './helpers';

let h: Harness;
beforeAll(async () => {
  h = await startApp();
});
afterAll(async () => {
  await h?.close();
});

/** The value of one sample line, `name{labels} value`, by its name and some of its labels. */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const line = text
    .split('\n')
    .find((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('example app: /metrics', () => {
  describe('after a login in WeChat', () => {
    it('counts the login by surface and outcome, the upstream calls by endpoint and errcode, and their latencies', async () => {
      const steps = await login(h, new TestBrowser(h, WECHAT_UA), { client: 'mp', user: 'alice' });
      expect(steps.callback.status).toBe(302);
      const res = await new TestBrowser(h).get('/metrics');
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain/);
      expect(
        sample(res.text, 'wechat_logins_total', {
          strategy: 'wechat',
          surface: 'mp',
          outcome: 'success',
          role: 'leader',
        }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(res.text, 'wechat_upstream_requests_total', { endpoint: '/sns/oauth2/access_token', errcode: '0' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(res.text, 'wechat_upstream_requests_total', { endpoint: '/sns/userinfo', errcode: '0' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(res.text, 'wechat_login_duration_seconds_count', { surface: 'mp', outcome: 'success' }),
      ).toBeGreaterThanOrEqual(1);
      expect(
        sample(res.text, 'wechat_upstream_duration_seconds_count', { endpoint: '/sns/userinfo' }),
      ).toBeGreaterThanOrEqual(1);
      expect(res.text).toContain('# TYPE wechat_store_errors_total counter');
    });
  });
});

/**
 * Real-browser test of the example app: Debian's Chromium driven by
 * playwright-core clicks through in-WeChat login, a denial, QR login and
 * logout against the bundled emulator.
 *
 * Skips (with a notice) when /usr/bin/chromium is missing, unless
 * REQUIRE_BROWSER=1, in which case a missing browser fails the run.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { DESKTOP_UA, startApp, WECHAT_UA, type Harness } from '../example-app/helpers';
import { CHROMIUM, CHROMIUM_ARGS, describeWithChromium } from './chromium';

/** The bits of HTMLImageElement used in page.evaluate (the tsconfig has no DOM lib). */
interface ImageLike {
  complete: boolean;
  naturalWidth: number;
  decode(): Promise<void>;
}

const OUTPUT_DIR = resolve(__dirname, '../../test-output');
describe('example app in a real browser', () => {
  const maybe = describeWithChromium('browser test');

  maybe('Chromium + playwright-core', () => {
    let h: Harness;
    const contexts: BrowserContext[] = [];
    const dirs: string[] = [];
    const cspViolations: string[] = [];

    async function open(userAgent: string): Promise<Page> {
      const dir = mkdtempSync(join(tmpdir(), 'example-chromium-'));
      dirs.push(dir);
      const context = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        headless: true,
        args: CHROMIUM_ARGS,
        userAgent,
      });
      contexts.push(context);
      const page = context.pages()[0] ?? (await context.newPage());
      page.setDefaultTimeout(20_000);
      page.on('console', (msg) => {
        if (/Content Security Policy/i.test(msg.text())) cspViolations.push(msg.text());
      });
      return page;
    }

    async function avatarLoaded(page: Page): Promise<boolean> {
      // Wait for the image to finish decoding (a rejection means it failed, which the check below reports).
      await page.locator('#avatar').evaluate((img) => (img as unknown as ImageLike).decode().catch(() => undefined));
      return page
        .locator('#avatar')
        .evaluate((img) => (img as unknown as ImageLike).complete && (img as unknown as ImageLike).naturalWidth > 0);
    }

    beforeAll(async () => {
      h = await startApp();
    });

    afterAll(async () => {
      // Always runs, even after a failed test: close every browser we launched.
      for (const context of contexts) await context.close().catch(() => undefined);
      for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
      await h?.close();
    });

    describe('inside WeChat (WeChat User-Agent)', () => {
      let page: Page;
      // Launching Chromium can be slow on a busy 2-CPU machine.
      beforeAll(async () => {
        page = await open(WECHAT_UA);
      }, 60_000);

      it('logs in with 微信内登录: consent page → choose a user → allow → profile', async () => {
        await page.goto(`${h.base}/`);
        await expectText(page, '#mode-notice', 'Using the bundled WeChat emulator');
        await page.click('#login-mp');
        await page.waitForSelector('body[data-page="consent"]');
        expect(page.url().startsWith(h.mock.authorizationURL)).toBe(true);
        await page.check('#user-bob');
        await page.click('#allow');
        await page.waitForURL(`${h.base}/profile`);
        await expectText(page, '#nickname', 'Bob 鲍勃');
        await expectText(page, '#openid', h.mock.openidOf('mp', 'bob'));
        await expectText(page, '#appid', h.mock.apps.mp.appID);
        await expectText(page, '#scope', 'snsapi_userinfo');
        expect(await avatarLoaded(page)).toBe(true);
        mkdirSync(OUTPUT_DIR, { recursive: true });
        await page.screenshot({ path: join(OUTPUT_DIR, 'profile.png'), fullPage: true });
        expect(existsSync(join(OUTPUT_DIR, 'profile.png'))).toBe(true);
      });

      it('shows the failure page after 拒绝 (deny)', async () => {
        await page.goto(`${h.base}/`);
        await page.click('#login-mp');
        await page.waitForSelector('body[data-page="consent"]');
        await page.click('#deny');
        await page.waitForURL(/\/failure\?reason=access_denied$/);
        expect(await page.getAttribute('#failure', 'data-reason')).toBe('access_denied');
        await expectText(page, '#failure-zh', '你拒绝了授权');
      });
    });

    describe('on a desktop (QR login)', () => {
      let page: Page;
      beforeAll(async () => {
        page = await open(DESKTOP_UA);
      }, 60_000);

      it('logs in with 扫码登录: QR page → simulate scan → choose a user → allow → profile with the web openid', async () => {
        await page.goto(`${h.base}/`);
        await page.click('#login-web');
        await page.waitForSelector('body[data-page="qrconnect"]');
        expect(page.url().startsWith(h.mock.qrconnectURL)).toBe(true);
        await page.click('#simulate-scan');
        await page.waitForSelector('body[data-page="consent"]');
        await page.check('#user-alice');
        await page.click('#allow');
        await page.waitForURL(`${h.base}/profile`);
        await expectText(page, '#nickname', 'Alice 爱丽丝');
        await expectText(page, '#openid', h.mock.openidOf('web', 'alice'));
        await expectText(page, '#appid', h.mock.apps.web.appID);
        expect(await avatarLoaded(page)).toBe(true);
      });

      it('logs out', async () => {
        await page.click('#logout');
        await page.waitForSelector('body[data-page="home"]');
        expect(await page.locator('#logged-in').count()).toBe(0);
        await page.goto(`${h.base}/profile`);
        expect(page.url()).toBe(`${h.base}/`);
      });

      it('saw no Content-Security-Policy violation', () => {
        expect(cspViolations).toEqual([]);
      });
    });
  });
});

async function expectText(page: Page, selector: string, text: string): Promise<void> {
  const actual = (await page.textContent(selector)) ?? '';
  expect(actual).toContain(text);
}

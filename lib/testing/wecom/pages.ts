/**
 * HTML of the WeCom surfaces (wecom-protocol.md §1, §7). Element ids follow the WeChat pages so browser
 * tests click the same things: `#qrcode` (with `data-confirm-url`), `#simulate-scan`, radios
 * `#user-<key>` (`name="user"`), `#allow`, `#deny`; `data-page` on `<body>` names the page.
 */
import { escapeHtml, layout } from '../pages.js';
import type { MockWeComUser } from '../types.js';

const CONFIRM_PATH = '/wwopen/confirm';

export interface WeComErrorInput {
  zh: string;
  en: string;
}

function kindLabel(u: MockWeComUser): string {
  if (u.kind === 'linked') return `企业互联成员 linked corp · ${u.userid ?? ''}`;
  if (u.kind === 'guest') return u.externalUserID ? '外部联系人 customer (non-member)' : '非企业成员 non-member';
  return `${u.userid ?? ''}${u.visible ? '' : ' · 不在可见范围 outside the visible range'}`;
}

/** WeCom shows authorize problems on its own page and never calls back (§1.1, §1.4). */
export function wecomErrorPage(e: WeComErrorInput, attrs = ''): string {
  return layout(
    '企业微信 WeCom',
    `<div class="icon">!</div><h1 id="error-title">${escapeHtml(e.zh)}</h1><p class="en" id="error-en">${escapeHtml(e.en)}</p>`,
    ` data-page="error" data-errcode=""${attrs}`,
  );
}

/** `/wwopen/uriconfirm?err_type=domain_err&uri=…` (§1.5). */
export function uriConfirmPage(uri: string): string {
  return layout(
    '企业微信 WeCom',
    `<div class="icon">!</div><h1 id="error-title">redirect_uri需使用应用可信域名</h1>
<p class="en" id="error-en">redirect_uri must use one of the app's trusted domains</p><p id="uri">${escapeHtml(uri)}</p>`,
    ' data-page="error" data-errcode="" data-err-type="domain_err"',
  );
}

export interface WeComPickerInput {
  /** `consent`: the snsapi_privateinfo interstitial; `scan`: what the phone shows after a QR scan. */
  mode: 'consent' | 'scan';
  corpID: string;
  agentID: string | undefined;
  uuid: string;
  users: readonly MockWeComUser[];
  defaultUserKey: string;
}

/** The consent / scan-confirm sheet with a test-identity picker; posts to /wwopen/confirm. */
export function wecomPickerPage(p: WeComPickerInput): string {
  const items = p.users
    .map((u) => {
      const checked = u.key === p.defaultUserKey ? ' checked' : '';
      return `<li><label for="user-${u.key}" data-user="${u.key}" data-kind="${u.kind}"><input type="radio" name="user" id="user-${u.key}" value="${u.key}"${checked}>
<img src="/avatar/wecom-${u.key}.svg" alt="" width="40" height="40"><span class="nickname">${escapeHtml(u.name ?? u.key)}</span> <span class="en">${escapeHtml(kindLabel(u))}</span></label></li>`;
    })
    .join('\n');
  const app = `企业 ${escapeHtml(p.corpID)}${p.agentID === undefined ? '' : ` 应用 ${escapeHtml(p.agentID)}`}`;
  const [title, en, allow, deny] =
    p.mode === 'consent'
      ? [
          `${app} 申请获取你的敏感信息`,
          'The app requests your sensitive fields (mobile, email, avatar, …) — scope snsapi_privateinfo',
          '同意 Allow',
          '拒绝 Deny',
        ]
      : [`登录 ${app}`, 'Confirm the login on the phone that scanned the QR code', '确认登录 Confirm', '取消 Cancel'];
  return layout(
    '企业微信 WeCom',
    `<h1>${title}</h1><p class="en">${en}</p>
<form class="card" method="post" action="${CONFIRM_PATH}" id="consent">
<input type="hidden" name="uuid" value="${escapeHtml(p.uuid)}">
<p>选择测试身份 Choose a test identity</p>
<ul class="users">${items}</ul>
<button type="submit" name="decision" value="allow" id="allow">${allow}</button>
<button type="submit" name="decision" value="deny" id="deny">${deny}</button>
</form>`,
    ` data-page="${p.mode === 'consent' ? 'consent' : 'scan-confirm'}"`,
  );
}

export interface WeComLoginPageInput {
  surface: 'wwlogin' | 'qrconnect';
  uuid: string;
  qrDataURL: string;
  confirmURL: string;
}

/** 企业微信Web登录 (§1.3) / the old qrConnect (§1.4): a real QR code plus a button that plays the phone's part. */
export function wecomLoginPage(p: WeComLoginPageInput): string {
  return layout(
    '企业微信登录 WeCom Login',
    `<h1>企业微信登录</h1><p class="en">WeCom Login</p>
<img class="qrcode" id="qrcode" src="${p.qrDataURL}" alt="QR code" data-confirm-url="${escapeHtml(p.confirmURL)}" width="220" height="220">
<p>请使用企业微信扫描二维码登录</p><p class="en">Scan the QR code with WeCom to log in</p>
<form method="get" action="${CONFIRM_PATH}"><input type="hidden" name="uuid" value="${escapeHtml(p.uuid)}">
<button type="submit" id="simulate-scan">模拟扫码 Simulate scan</button></form>`,
    ` data-page="${p.surface}"`,
  );
}

/** Deny/cancel that stays in WeCom (§1.1, §1.3 ⚠️: undocumented, so no callback is made). */
export function wecomDeniedPage(): string {
  return layout(
    '企业微信 WeCom',
    `<h1 id="denied">你已取消</h1><p class="en">You declined. (No callback is made.)</p>`,
    ' data-page="denied"',
  );
}

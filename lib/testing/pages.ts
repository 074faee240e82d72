/**
 * HTML pages and avatars of the emulator, generated in code (the package is built to both CJS and
 * ESM and must not read assets from disk). Element ids, `name`s and `data-*` attributes are stable:
 * browser tests click them.
 */
import { createHash } from 'node:crypto';
import type { MockUser } from './types.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{margin:0;font-family:-apple-system,"PingFang SC","Microsoft YaHei",Helvetica,Arial,sans-serif;background:#ededed;color:#191919}
main{max-width:420px;margin:0 auto;padding:32px 20px;text-align:center}
.card{background:#fff;border-radius:8px;padding:24px;margin-top:16px;text-align:left}
h1{font-size:20px;font-weight:500}.en{color:#888;font-size:13px}
.users{list-style:none;padding:0}.users li{padding:8px 0;border-bottom:1px solid #eee}
.users label{display:flex;align-items:center;gap:12px;cursor:pointer}.users img{width:40px;height:40px;border-radius:4px}
button{display:block;width:100%;margin-top:12px;padding:12px;border:0;border-radius:4px;font-size:16px;cursor:pointer}
#allow{background:#07c160;color:#fff}#deny{background:#f2f2f2;color:#07c160}
.qrcode{width:220px;height:220px}.icon{font-size:56px;color:#fa5151}.mock{margin-top:32px;font-size:12px;color:#aaa}`;

export function layout(title: string, body: string, attrs = ''): string {
  return `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${escapeHtml(title)}</title><style>${STYLE}</style></head>
<body${attrs}><main>${body}<p class="mock">WeChat emulator · passport-wechat-oauth2/testing</p></main></body></html>`;
}

export interface ErrorPageInput {
  /** WeChat's page error code (10003 …, §1.6), or null for pages that show text only. */
  code: number | null;
  zh: string;
  en: string;
}

/** WeChat shows authorize errors on its own page and never redirects (§1.6). */
export function errorPage(e: ErrorPageInput): string {
  const codeLine = e.code === null ? '' : `<p id="errcode">错误码 Error code: ${e.code}</p>`;
  const attrs = ` data-page="error" data-errcode="${e.code ?? ''}"`;
  return layout(
    '微信授权 WeChat Authorization',
    `<div class="icon">!</div><h1 id="error-title">${escapeHtml(e.zh)}</h1><p class="en" id="error-en">${escapeHtml(e.en)}</p>${codeLine}`,
    attrs,
  );
}

export interface ConsentPageInput {
  appID: string;
  scope: string;
  uuid: string;
  users: readonly MockUser[];
  defaultUserKey: string;
}

/** The 授权 (consent) sheet: pick a test user, then 允许/拒绝. Posts to /connect/confirm. */
export function consentPage(p: ConsentPageInput): string {
  const items = p.users
    .map((u) => {
      const checked = u.key === p.defaultUserKey ? ' checked' : '';
      const tag = u.snapshot ? ' <span class="en">(快照页虚拟用户 snapshot user)</span>' : '';
      return `<li><label for="user-${u.key}" data-user="${u.key}"><input type="radio" name="user" id="user-${u.key}" value="${u.key}"${checked}>
<img src="/avatar/${u.key}.svg" alt="" width="40" height="40"><span class="nickname">${escapeHtml(u.nickname)}</span>${tag}</label></li>`;
    })
    .join('\n');
  return layout(
    '微信授权 WeChat Authorization',
    `<h1>应用 ${escapeHtml(p.appID)} 申请获得以下权限</h1>
<p class="en">The application requests: 获得你的公开信息（昵称、头像等）/ your public profile (nickname, avatar) — scope <code>${escapeHtml(p.scope)}</code></p>
<form class="card" method="post" action="/connect/confirm" id="consent">
<input type="hidden" name="uuid" value="${escapeHtml(p.uuid)}">
<p>选择测试用户 Choose a test user</p>
<ul class="users">${items}</ul>
<button type="submit" name="decision" value="allow" id="allow">允许 Allow</button>
<button type="submit" name="decision" value="deny" id="deny">拒绝 Deny</button>
</form>`,
    ' data-page="consent"',
  );
}

export interface QrPageInput {
  uuid: string;
  /** `data:image/png;base64,…` of a QR code encoding `confirmURL`. */
  qrDataURL: string;
  confirmURL: string;
}

/** Website-app login page: a real QR code plus a button that plays the phone's part (§1.4). */
export function qrconnectPage(p: QrPageInput): string {
  return layout(
    '微信登录 WeChat Login',
    `<h1>微信登录</h1><p class="en">WeChat Login</p>
<img class="qrcode" id="qrcode" src="${p.qrDataURL}" alt="QR code" data-confirm-url="${escapeHtml(p.confirmURL)}" width="220" height="220">
<p>请使用微信扫描二维码登录</p><p class="en">Scan the QR code with WeChat to log in</p>
<form method="get" action="/connect/confirm"><input type="hidden" name="uuid" value="${escapeHtml(p.uuid)}">
<button type="submit" id="simulate-scan">模拟扫码 Simulate scan</button></form>`,
    ' data-page="qrconnect"',
  );
}

/** Real WeChat usually leaves the user here after 拒绝 instead of calling back (§1.5). */
export function deniedPage(): string {
  return layout(
    '微信授权 WeChat Authorization',
    `<h1 id="denied">你已拒绝授权</h1><p class="en">You declined the authorization. (Like real WeChat, no callback is made.)</p>`,
    ' data-page="denied"',
  );
}

const PALETTE = ['#07c160', '#10aeff', '#fa9d3b', '#fa5151', '#6467f0', '#15bd9f', '#c87d2f'];

/** A coloured circle with the user's initial, so `headimgurl` works offline. */
export function avatarSvg(seed: string, label: string, grey = false): string {
  const colour = grey ? '#b2b2b2' : PALETTE[createHash('sha256').update(seed).digest()[0] % PALETTE.length];
  const initial = escapeHtml(Array.from(label.trim())[0]?.toUpperCase() ?? '?');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="132" height="132" viewBox="0 0 132 132"><circle cx="66" cy="66" r="66" fill="${colour}"/><text x="66" y="66" dy=".35em" text-anchor="middle" font-family="Helvetica,Arial,sans-serif" font-size="64" fill="#fff">${initial}</text></svg>`;
}

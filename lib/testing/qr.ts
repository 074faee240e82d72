/**
 * The QR code on the emulator's website-login page (`/connect/qrconnect`).
 *
 * `qrcode` is an optional peer dependency, loaded on first use: only the
 * emulator draws QR codes, and it would otherwise add some thirty packages to
 * every production install of the strategy. Without it the page still works
 * (tests follow `data-confirm-url`); the image then says how to get a
 * scannable code.
 */
type ToDataURL = (text: string, options: { margin: number; width: number }) => Promise<string>;

const PLACEHOLDER_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="220" height="220"><rect width="220" height="220" fill="#f2f2f2"/>' +
  '<text x="110" y="104" font-family="sans-serif" font-size="13" text-anchor="middle" fill="#555">For a scannable QR code:</text>' +
  '<text x="110" y="126" font-family="monospace" font-size="13" text-anchor="middle" fill="#222">npm i -D qrcode</text></svg>';

/** Shown instead of the QR code when `qrcode` is not installed. */
export const QR_PLACEHOLDER = `data:image/svg+xml;base64,${Buffer.from(PLACEHOLDER_SVG).toString('base64')}`;

let loading: Promise<ToDataURL | undefined> | undefined;

function loadToDataURL(): Promise<ToDataURL | undefined> {
  loading ??= import('qrcode').then(
    (mod) => {
      const qrcode = (mod as { default?: { toDataURL?: ToDataURL } }).default ?? (mod as { toDataURL?: ToDataURL });
      return qrcode.toDataURL;
    },
    () => undefined,
  );
  return loading;
}

/** A PNG data URL of `text` as a QR code, or {@link QR_PLACEHOLDER} when `qrcode` is not installed. */
export async function qrDataURL(text: string): Promise<string> {
  const toDataURL = await loadToDataURL();
  return toDataURL ? toDataURL(text, { margin: 1, width: 220 }) : QR_PLACEHOLDER;
}

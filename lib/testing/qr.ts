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

/** `undefined` until first use, then qrcode's `toDataURL`, or `null` when it is not installed. */
let loaded: ToDataURL | null | undefined;

function loadToDataURL(): ToDataURL | null {
  if (loaded === undefined) {
    try {
      // A plain require at first use: the package runs as CommonJS (its ES entries re-export that build).
      loaded = (require('qrcode') as { toDataURL: ToDataURL }).toDataURL;
    } catch {
      loaded = null;
    }
  }
  return loaded;
}

/** A PNG data URL of `text` as a QR code, or {@link QR_PLACEHOLDER} when `qrcode` is not installed. */
export async function qrDataURL(text: string): Promise<string> {
  const toDataURL = loadToDataURL();
  return toDataURL ? toDataURL(text, { margin: 1, width: 220 }) : QR_PLACEHOLDER;
}

/**
 * `qrcode` is an optional peer dependency of the package: the emulator's QR
 * page must work with it (a real PNG) and without it (a placeholder image).
 */
describe('the emulator QR image', () => {
  afterEach(() => {
    jest.resetModules();
    jest.dontMock('qrcode');
  });

  describe('with qrcode installed', () => {
    it('is a PNG data URL that encodes the text, from the module loaded once', async () => {
      const { qrDataURL } = await import('../../lib/testing/qr');
      expect(await qrDataURL('http://127.0.0.1:1/connect/confirm?uuid=x')).toMatch(
        /^data:image\/png;base64,[A-Za-z0-9+/=]{200,}$/,
      );
      expect(await qrDataURL('http://127.0.0.1:1/connect/confirm?uuid=y')).toMatch(/^data:image\/png;base64,/);
    });
  });

  describe('without qrcode', () => {
    it('is the placeholder SVG that says how to get a scannable code', async () => {
      jest.doMock('qrcode', () => {
        throw Object.assign(new Error("Cannot find module 'qrcode'"), { code: 'MODULE_NOT_FOUND' });
      });
      const { qrDataURL, QR_PLACEHOLDER } = await import('../../lib/testing/qr');
      const image = await qrDataURL('http://127.0.0.1:1/connect/confirm?uuid=x');
      expect(image).toBe(QR_PLACEHOLDER);
      expect(Buffer.from(image.replace(/^data:image\/svg\+xml;base64,/, ''), 'base64').toString()).toContain(
        'npm i -D qrcode',
      );
    });
  });
});

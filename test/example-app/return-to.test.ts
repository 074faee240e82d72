/** `safeReturnTo`: only same-origin paths survive. */
import fc from 'fast-check';
import { MAX_RETURN_TO_LENGTH, safeReturnTo } from '../../example-app/return-to';

describe('example app: safeReturnTo', () => {
  describe('accepts same-origin paths', () => {
    it.each([
      '/',
      '/profile',
      '/profile?tab=ids',
      '/a/b/c?x=1&y=2#frag',
      '/%2F%2Fevil.com',
      '/path/with:colon',
      '/用户/资料',
    ])('%j', (value) => {
      expect(safeReturnTo(value)).toBe(value);
    });
  });

  describe('rejects anything that could leave the site', () => {
    it.each([
      '//evil.com',
      '///evil.com',
      'https://evil.com',
      'http://evil.com/',
      '/\\evil.com',
      '\\\\evil.com',
      '/\\/evil.com',
      '/path\\..\\..\\x',
      '/\tevil.com',
      '/\t/evil.com',
      '/\n/evil.com',
      '/\r\n//evil.com',
      '/\u0000',
      '/\u007f',
      '/ /evil.com',
      '/\u2028/evil.com',
      'javascript:alert(1)',
      'evil.com',
      'profile',
      '',
      ' /profile',
    ])('%j', (value) => {
      expect(safeReturnTo(value)).toBeUndefined();
    });

    it.each([undefined, null, 42, ['/profile'], { path: '/profile' }])('non-strings: %j', (value) => {
      expect(safeReturnTo(value)).toBeUndefined();
    });

    it('rejects overlong values', () => {
      expect(safeReturnTo('/' + 'a'.repeat(MAX_RETURN_TO_LENGTH - 1))).toBeDefined();
      expect(safeReturnTo('/' + 'a'.repeat(MAX_RETURN_TO_LENGTH))).toBeUndefined();
    });
  });

  describe('property: whatever it accepts stays on the site', () => {
    it('resolves every accepted value to the same origin, whatever the base', () => {
      const pieces = fc.constantFrom(
        '/',
        '//',
        '\\',
        ':',
        '@',
        '.',
        '..',
        'evil.com',
        'http:',
        'https:',
        '%2F',
        '%5C',
        '\t',
        '\n',
        ' ',
        '?',
        '#',
        'a',
        '\u0000',
        '\u3002',
      );
      fc.assert(
        fc.property(
          fc.array(pieces, { maxLength: 8 }).map((parts) => parts.join('')),
          fc.string({ maxLength: 10 }),
          (candidate, noise) => {
            for (const value of [candidate, candidate + noise, '/' + candidate]) {
              const safe = safeReturnTo(value);
              if (safe === undefined) continue;
              for (const base of ['http://app.example:3000/some/page', 'https://app.example/']) {
                expect(new URL(safe, base).origin).toBe(new URL(base).origin);
              }
              expect(safe.startsWith('/')).toBe(true);
              expect(safe.startsWith('//')).toBe(false);
            }
          },
        ),
        { numRuns: 2000 },
      );
    });
  });
});

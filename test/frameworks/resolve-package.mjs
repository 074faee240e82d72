// `node --import ./resolve-package.mjs app.js`: resolves `passport-wechat-oauth2`
// (and its subpaths) the way an install would, through the package's own
// `exports`, but from the repo's build: Node resolves it as the package's
// self-reference from the repo root. Everything else resolves as usual.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
      const root = ${JSON.stringify(new URL('../../package.json', import.meta.url).href)};
      export function resolve(specifier, context, next) {
        if (specifier === 'passport-wechat-oauth2' || specifier.startsWith('passport-wechat-oauth2/')) {
          return next(specifier, { ...context, parentURL: root });
        }
        return next(specifier, context);
      }
    `),
);

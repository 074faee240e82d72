/** passport-oauth2's `skipUserProfile`: a flag, `() => boolean`, or `(accessToken, done)`. */
export type SkipUserProfile =
  | boolean
  | ((accessToken: string, done: (err: Error | null, skip?: boolean) => void) => void)
  | (() => boolean)
  | undefined;

/** Whether to skip `/sns/userinfo` for this token, in each form passport-oauth2 accepts. */
export function shouldSkipProfile(skip: SkipUserProfile, accessToken: string): Promise<boolean> {
  if (typeof skip !== 'function') return Promise.resolve(skip === true);
  if (skip.length > 1) {
    return new Promise((resolve, reject) => {
      (skip as (t: string, cb: (err: Error | null, skip?: boolean) => void) => void)(accessToken, (err, result) =>
        err ? reject(err) : resolve(!!result),
      );
    });
  }
  return Promise.resolve(!!(skip as () => boolean)());
}

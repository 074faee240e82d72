/**
 * Compile-time checks (run by `npm run typecheck`, not jest): an untyped
 * arrow as WeComStrategy's verify gets `profile: WeComProfile` (and `req`
 * with passReqToCallback), in every constructor form.
 */
import type { Request } from 'express';
import { WeComStrategy, type WeComProfile } from '../../lib';

const options = { corpID: 'ww0123456789abcdef', agentID: '1000002', agentSecret: 's' };

new WeComStrategy(options, (profile, done) => {
  const same: WeComProfile = profile;
  const kind: 'member' | 'linked' | 'guest' = profile.kind;
  const client: 'wecom' | 'web' = profile.client;
  const userID: string | undefined = profile.userID;
  // @ts-expect-error the profile never carries the user_ticket
  void profile.user_ticket;
  // @ts-expect-error a WeCom profile is not a WeChat one: no unionid
  void profile.unionid;
  done(null, { same, kind, client, userID });
});

new WeComStrategy({ ...options, passReqToCallback: true }, (req, profile, done) => {
  const request: Request = req;
  const same: WeComProfile = profile;
  done(null, { path: request.path, id: same.id });
});

// `(verify)` alone: options from WECOM_* (NestJS's `super()`).
new WeComStrategy((profile, done) => {
  const same: WeComProfile = profile;
  done(null, { id: same.id, department: profile.department });
});

// @ts-expect-error without passReqToCallback, verify takes (profile, done), not (req, profile, done)
new WeComStrategy(options, (_req: Request, _profile: WeComProfile, _done: (err: unknown) => void) => undefined);

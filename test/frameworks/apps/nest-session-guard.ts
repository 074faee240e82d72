/** What the NestJS apps share: a guard that logs the user into the session, as an app's own guard would. */
import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/** AuthGuard does not log in by itself: this one keeps the user in the session. */
export function sessionGuard(name: string) {
  @Injectable()
  class SessionGuard extends AuthGuard(name) {
    override async canActivate(context: ExecutionContext): Promise<boolean> {
      const ok = (await super.canActivate(context)) as boolean;
      await super.logIn(context.switchToHttp().getRequest());
      return ok;
    }
  }
  return SessionGuard;
}

/**
 * A steady run of logins (several browsers, each logging in again and again
 * through a balancer) that records how each callback ended and how long it
 * took, to watch the logins across an event such as a Sentinel failover.
 */
import { Browser } from '../helpers/login-app';

export interface LoginRecord {
  /** Date.now() when the callback was sent, and when its answer was read. */
  startedAt: number;
  endedAt: number;
  status: number;
  /** The error's class name for a 500 (the login app answers `{ error, name }`). */
  errorName?: string;
  error?: string;
  /** Who was logged in, for a 200. */
  openid?: string;
}

export interface LoginRun {
  records: LoginRecord[];
  /** Stops starting logins; settles once every browser's current login has ended, or rejects with what stopped one. */
  stop(): Promise<void>;
}

/** Starts `browsers` browsers logging in through `url`, one login after another each, with `pauseMs` between. */
export function runLogins(url: string, browsers: number, pauseMs: number): LoginRun {
  const records: LoginRecord[] = [];
  let running = true;
  const loop = async () => {
    while (running) {
      const browser = new Browser();
      const callback = await browser.callbackURL(url);
      const startedAt = Date.now();
      const res = await browser.get(callback);
      const body = (await res.json()) as { user?: { openid: string }; error?: string; name?: string };
      records.push({
        startedAt,
        endedAt: Date.now(),
        status: res.status,
        errorName: body.name,
        error: body.error,
        openid: body.user?.openid,
      });
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  };
  // A browser that cannot go on (the app itself is down) stops the run; stop() reports it.
  let failure: unknown;
  const loops = Array.from({ length: browsers }, () =>
    loop().catch((err: unknown) => {
      failure ??= err;
      running = false;
    }),
  );
  return {
    records,
    async stop() {
      running = false;
      await Promise.all(loops);
      if (failure !== undefined) throw failure;
    },
  };
}

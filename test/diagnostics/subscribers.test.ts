/**
 * No cost and no harm: with no subscriber nothing is built, and a subscriber
 * that throws cannot change a login. Node's diagnostics_channel calls every
 * subscriber inside a try/catch and reports what one throws as an
 * 'uncaughtException' on the next tick; publish itself returns normally.
 */
import { execFileSync } from 'node:child_process';
import diagnostics_channel from 'node:diagnostics_channel';
import path from 'node:path';
import { LOGIN_CHANNEL, UPSTREAM_CHANNEL } from '../../lib';

describe('diagnostics subscribers', () => {
  describe('when nobody subscribes', () => {
    it('the channels report no subscribers, so no payload is built', () => {
      for (const name of [LOGIN_CHANNEL, UPSTREAM_CHANNEL]) {
        const channel = diagnostics_channel.tracingChannel(name);
        for (const event of ['start', 'end', 'asyncStart', 'asyncEnd', 'error'] as const)
          expect(channel[event].hasSubscribers).toBe(false);
      }
    });
  });

  describe('when a subscriber throws', () => {
    it('the login ends as it would have, and each exception is reported as uncaughtException', () => {
      // In a process of its own: jest fails any test during which an uncaughtException happens.
      const out = execFileSync(process.execPath, [path.join(__dirname, 'fixtures/throwing-subscriber.js')], {
        encoding: 'utf8',
        timeout: 60_000,
      });
      const result = JSON.parse(out) as {
        outcome: { kind: string; openid?: string };
        expected: string;
        thrown: string[];
      };
      expect(result.outcome).toEqual({ kind: 'success', openid: result.expected });
      // login start, end, asyncStart, asyncEnd, and the four of the jscode2session span
      expect(result.thrown.length).toBeGreaterThanOrEqual(8);
      expect(new Set(result.thrown)).toEqual(new Set(['subscriber bug']));
    });
  });
});

/**
 * One way to send a raw command through each supported client. The clients
 * disagree on the shape of their raw-command method:
 * - ioredis (`Redis`, `Cluster`, `Redis` with `sentinels`): `call(name, ...args)`,
 *   which finds the keys itself (cluster routing included);
 * - node-redis `createClient()`: `sendCommand(args)`;
 * - node-redis `createCluster()`: `sendCommand(firstKey, isReadonly, args)`;
 *   it cannot find the key in `args`, so the caller passes it to route the
 *   command to the master of its slot;
 * - node-redis `createSentinel()`: `sendCommand(isReadonly, args)`.
 */

/** Sends `args` (`args[0]` is the command name); `key` is the key it works on, if any (cluster routing). */
export type Send = (args: string[], key: string | undefined) => Promise<unknown>;

export type ClientKind = 'ioredis' | 'node-redis' | 'node-redis-cluster' | 'node-redis-sentinel';

type AnyFunction = (...args: never[]) => unknown;

function has(client: object, name: string): boolean {
  return typeof (client as Record<string, unknown>)[name] === 'function';
}

/**
 * Which client this is, or undefined for none we support. node-redis marks
 * its cluster with `masters` (and `getSlotMaster`) and its sentinel with
 * `getMasterNode`; only an object with neither (a sentinel's `acquire()`
 * lease, plain JavaScript wrappers) is told by the arity of `sendCommand`,
 * as node-redis declares it: 2 standalone, 3 sentinel, 4 cluster (each with
 * a trailing `options`).
 */
export function kindOf(client: unknown): ClientKind | undefined {
  if (typeof client !== 'object' || client === null) return undefined;
  if (has(client, 'call')) return 'ioredis';
  if (!has(client, 'sendCommand')) return undefined;
  if ('masters' in client || has(client, 'getSlotMaster')) return 'node-redis-cluster';
  if (has(client, 'getMasterNode')) return 'node-redis-sentinel';
  const arity = (client as { sendCommand: AnyFunction }).sendCommand.length;
  if (arity >= 4) return 'node-redis-cluster';
  if (arity === 3) return 'node-redis-sentinel';
  return 'node-redis';
}

/**
 * A {@link Send} bound to `client`. Every command goes to a master
 * (`isReadonly: false`, even for GET): the stores read what another instance
 * has just written (a claimed dedupe key, a session key), and a replica may
 * not have it yet.
 */
export function senderFor(client: unknown, kind: ClientKind): Send {
  switch (kind) {
    case 'ioredis': {
      const io = client as { call(command: string, ...args: string[]): Promise<unknown> };
      return ([command, ...args]) => io.call(command as string, ...args);
    }
    case 'node-redis-cluster': {
      const cluster = client as { sendCommand(key: string | undefined, ro: boolean, args: string[]): Promise<unknown> };
      return (args, key) => cluster.sendCommand(key, false, args);
    }
    case 'node-redis-sentinel': {
      const sentinel = client as { sendCommand(ro: boolean, args: string[]): Promise<unknown> };
      return (args) => sentinel.sendCommand(false, args);
    }
    case 'node-redis': {
      const node = client as { sendCommand(args: string[]): Promise<unknown> };
      return (args) => node.sendCommand(args);
    }
  }
}

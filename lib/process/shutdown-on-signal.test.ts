import { jest } from '@jest/globals';
import { EventEmitter } from 'node:events';
import { shutdownOnSignal } from './shutdown-on-signal.js';

function setup(stop: () => Promise<void>) {
  const signals = new EventEmitter();
  const exits: number[] = [];
  let exited: () => void = () => undefined;
  const exitedOnce = new Promise<void>((resolve) => (exited = resolve));
  const messages: string[] = [];
  const record = (_fields: object, message: string) => void messages.push(message);
  const handle = shutdownOnSignal({
    stop,
    logger: { info: record, warn: record, error: record },
    process: signals,
    exit: (code) => {
      exits.push(code);
      exited();
    },
  });
  return { signals, exits, exitedOnce, messages, handle };
}

describe('shutdownOnSignal', () => {
  it('stops once on SIGTERM and exits 0', async () => {
    const stop = jest.fn(async () => undefined);
    const { signals, exits, exitedOnce, handle } = setup(stop);
    expect(handle.stopping).toBe(false);
    signals.emit('SIGTERM', 'SIGTERM');
    expect(handle.stopping).toBe(true);
    await exitedOnce;
    expect(stop).toHaveBeenCalledTimes(1);
    expect(exits).toEqual([0]);
  });

  it('exits 1 when stopping fails', async () => {
    const { signals, exits, exitedOnce, messages } = setup(async () => {
      throw new Error('database gone');
    });
    signals.emit('SIGINT', 'SIGINT');
    await exitedOnce;
    expect(exits).toEqual([1]);
    expect(messages).toContain('stopping failed');
  });

  it('exits 1 at once on a second signal while the first stop is still draining', () => {
    const { signals, exits } = setup(() => new Promise<void>(() => undefined));
    signals.emit('SIGTERM', 'SIGTERM');
    expect(exits).toEqual([]);
    signals.emit('SIGINT', 'SIGINT');
    expect(exits).toEqual([1]);
  });

  it('stops listening when disposed', () => {
    const { signals, handle } = setup(async () => undefined);
    handle.dispose();
    expect(signals.listenerCount('SIGTERM') + signals.listenerCount('SIGINT')).toBe(0);
  });
});

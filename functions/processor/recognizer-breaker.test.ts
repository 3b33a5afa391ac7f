import { waitFor } from '../../test/support/wait-for.js';
import {
  createRecognizerBreaker,
  isBreakerOpenError,
  ProbeFailedError,
} from './recognizer-breaker.js';

/** A scripted recognizer: unit-test fake, counting what the breaker sends it. */
function scriptedRecognizer() {
  const state = { up: false, serving: false, identifyCalls: 0, healthCalls: 0 };
  return {
    state,
    async identify(request: string) {
      state.identifyCalls++;
      if (!state.up) throw Object.assign(new Error('unavailable'), { retryable: true });
      if (request === 'missing.jpg')
        throw Object.assign(new Error('no such file'), { retryable: false });
      return `faces of ${request}`;
    },
    async checkHealth() {
      state.healthCalls++;
      return state.serving;
    },
  };
}

/** Waits for the reset timer to half-open the breaker (resetTimeoutMs: 50), with a deadline. */
const halfOpened = (guarded: { breaker: { halfOpen: boolean } }) =>
  waitFor('the breaker to half-open', () => guarded.breaker.halfOpen, {
    timeoutMs: 5_000,
    intervalMs: 5,
  });

describe('recognizer breaker', () => {
  it('opens after transient failures and fails fast without calling the recognizer', async () => {
    const recognizer = scriptedRecognizer();
    const guarded = createRecognizerBreaker(recognizer, {
      errorThresholdPercentage: 50,
      volumeThreshold: 2,
      resetTimeoutMs: 60_000,
    });
    await expect(guarded.identify('a.jpg')).rejects.toThrow('unavailable');
    await expect(guarded.identify('b.jpg')).rejects.toThrow('unavailable');
    expect(guarded.open).toBe(true);
    const callsBefore = recognizer.state.identifyCalls;
    const error = await guarded.identify('c.jpg').catch((caught: unknown) => caught);
    expect(isBreakerOpenError(error)).toBe(true);
    expect(recognizer.state.identifyCalls).toBe(callsBefore);
    guarded.shutdown();
  });

  it('does not count a bad photo against the recognizer', async () => {
    const recognizer = scriptedRecognizer();
    recognizer.state.up = true;
    const guarded = createRecognizerBreaker(recognizer, {
      errorThresholdPercentage: 50,
      volumeThreshold: 1,
      resetTimeoutMs: 60_000,
    });
    for (let i = 0; i < 5; i++)
      await expect(guarded.identify('missing.jpg')).rejects.toThrow('no such file');
    expect(guarded.open).toBe(false);
    await expect(guarded.identify('ok.jpg')).resolves.toBe('faces of ok.jpg');
    guarded.shutdown();
  });

  it('probes with the health check when half-open: NOT_SERVING keeps it open and sends no request', async () => {
    const recognizer = scriptedRecognizer();
    const guarded = createRecognizerBreaker(recognizer, {
      errorThresholdPercentage: 50,
      volumeThreshold: 1,
      resetTimeoutMs: 50,
    });
    await expect(guarded.identify('a.jpg')).rejects.toThrow('unavailable');
    expect(guarded.open).toBe(true);
    await halfOpened(guarded);
    const identifyCalls = recognizer.state.identifyCalls;
    await expect(guarded.identify('b.jpg')).rejects.toBeInstanceOf(ProbeFailedError);
    expect(recognizer.state.healthCalls).toBe(1);
    expect(recognizer.state.identifyCalls).toBe(identifyCalls);
    expect(guarded.open).toBe(true);
    guarded.shutdown();
  });

  it('admits work when closed, never when open, and when half-open only if the health check says SERVING', async () => {
    const recognizer = scriptedRecognizer();
    const guarded = createRecognizerBreaker(recognizer, {
      errorThresholdPercentage: 50,
      volumeThreshold: 1,
      resetTimeoutMs: 50,
    });
    expect(await guarded.admits()).toBe(true);
    await expect(guarded.identify('a.jpg')).rejects.toThrow('unavailable');
    expect(await guarded.admits()).toBe(false);
    await halfOpened(guarded);
    expect(await guarded.admits()).toBe(false);
    recognizer.state.serving = true;
    expect(await guarded.admits()).toBe(true);
    expect(recognizer.state.identifyCalls).toBe(1);
    guarded.shutdown();
  });

  it('closes when the health probe answers SERVING and the request succeeds', async () => {
    const recognizer = scriptedRecognizer();
    const guarded = createRecognizerBreaker(recognizer, {
      errorThresholdPercentage: 50,
      volumeThreshold: 1,
      resetTimeoutMs: 50,
    });
    await expect(guarded.identify('a.jpg')).rejects.toThrow('unavailable');
    recognizer.state.up = true;
    recognizer.state.serving = true;
    await halfOpened(guarded);
    await expect(guarded.identify('b.jpg')).resolves.toBe('faces of b.jpg');
    expect(recognizer.state.healthCalls).toBe(1);
    expect(guarded.breaker.closed).toBe(true);
    // Closed again: no more probes before each call.
    await expect(guarded.identify('c.jpg')).resolves.toBe('faces of c.jpg');
    expect(recognizer.state.healthCalls).toBe(1);
    guarded.shutdown();
  });
});

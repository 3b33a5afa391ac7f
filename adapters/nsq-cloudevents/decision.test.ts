import {
  backoffDelay,
  decide,
  type Decision,
  type DeliveryOutcome,
  type RetryPolicy,
} from './decision.js';

const policy: RetryPolicy = { maxAttempts: 5, backoffBaseMs: 100, backoffMaxMs: 1000 };

const status = (code: number, retryAfterMs?: number): DeliveryOutcome => ({
  kind: 'response',
  status: code,
  retryAfterMs,
});

describe('decide', () => {
  it.each<[string, DeliveryOutcome, number, Decision]>([
    // 2xx: finish, whatever the attempt.
    ['200', status(200), 1, { action: 'finish' }],
    ['202', status(202), 1, { action: 'finish' }],
    ['204 on the last attempt', status(204), 5, { action: 'finish' }],
    ['299', status(299), 9, { action: 'finish' }],
    // Retryable: exponential backoff, capped.
    ['500 on attempt 1', status(500), 1, { action: 'requeue', delayMs: 100, retry: '500' }],
    ['502 on attempt 2', status(502), 2, { action: 'requeue', delayMs: 200, retry: '502' }],
    ['504 on attempt 4', status(504), 4, { action: 'requeue', delayMs: 800, retry: '504' }],
    ['408', status(408), 2, { action: 'requeue', delayMs: 200, retry: '408' }],
    ['timeout', { kind: 'timeout' }, 1, { action: 'requeue', delayMs: 100, retry: 'timeout' }],
    ['an unfollowed redirect', status(303), 1, { action: 'requeue', delayMs: 100, retry: '303' }],
    // The sink as a whole refuses or is unreachable: backpressure, whatever the attempt.
    [
      '503 on attempt 3',
      status(503),
      3,
      { action: 'backpressure', retryAfterMs: undefined, retry: '503' },
    ],
    ['429', status(429), 1, { action: 'backpressure', retryAfterMs: undefined, retry: '429' }],
    [
      'network error',
      { kind: 'network', error: 'ECONNREFUSED' },
      2,
      { action: 'backpressure', retryAfterMs: undefined, retry: 'network' },
    ],
    [
      '503 with Retry-After 1 s',
      status(503, 1000),
      1,
      { action: 'backpressure', retryAfterMs: 1000, retry: '503' },
    ],
    [
      '429 with Retry-After 1 h past the last attempt',
      status(429, 3_600_000),
      7,
      { action: 'backpressure', retryAfterMs: 3_600_000, retry: '429' },
    ],
    [
      'network on the last attempt',
      { kind: 'network', error: 'reset' },
      5,
      { action: 'backpressure', retryAfterMs: undefined, retry: 'network' },
    ],
    // Retry-After on a message's own failure lengthens the backoff, capped at backoffMaxMs.
    [
      '500 with Retry-After 1 s',
      status(500, 1000),
      1,
      { action: 'requeue', delayMs: 1000, retry: '500' },
    ],
    [
      'a Retry-After shorter than the backoff on a 500: the backoff wins',
      status(500, 250),
      4,
      { action: 'requeue', delayMs: 800, retry: '500' },
    ],
    // Retryable, but out of attempts: dead letter.
    [
      '500 on the last attempt',
      status(500),
      5,
      { action: 'dead-letter', reason: 'max-attempts', detail: 'attempt 5 of 5 failed: 500' },
    ],
    [
      'timeout on the last attempt',
      { kind: 'timeout' },
      5,
      { action: 'dead-letter', reason: 'max-attempts', detail: 'attempt 5 of 5 failed: timeout' },
    ],
    // Other 4xx: dead letter at once.
    [
      '400',
      status(400),
      1,
      { action: 'dead-letter', reason: 'non-retryable-status', detail: 'sink answered 400' },
    ],
    [
      '401',
      status(401),
      1,
      { action: 'dead-letter', reason: 'non-retryable-status', detail: 'sink answered 401' },
    ],
    [
      '404',
      status(404),
      2,
      { action: 'dead-letter', reason: 'non-retryable-status', detail: 'sink answered 404' },
    ],
    [
      '409',
      status(409),
      1,
      { action: 'dead-letter', reason: 'non-retryable-status', detail: 'sink answered 409' },
    ],
    [
      '413',
      status(413),
      1,
      { action: 'dead-letter', reason: 'non-retryable-status', detail: 'sink answered 413' },
    ],
    [
      '422 with Retry-After',
      status(422, 1000),
      1,
      { action: 'dead-letter', reason: 'non-retryable-status', detail: 'sink answered 422' },
    ],
    // A shutdown abort is not the sink's fault: straight back to the queue.
    [
      'aborted by shutdown',
      { kind: 'aborted' },
      5,
      { action: 'requeue', delayMs: 0, retry: 'shutdown' },
    ],
  ])('%s', (_name, outcome, attempts, expected) => {
    expect(decide(outcome, attempts, policy)).toEqual(expected);
  });

  it('dead-letters a retryable failure at once when MAX_ATTEMPTS is 1', () => {
    expect(decide(status(502), 1, { ...policy, maxAttempts: 1 })).toMatchObject({
      action: 'dead-letter',
      reason: 'max-attempts',
    });
  });
});

describe('backoffDelay', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 400],
    [4, 800],
    [5, 1000],
    [60, 1000],
    [0, 100],
  ])('attempt %i waits %i ms', (attempt, expected) => {
    expect(backoffDelay(attempt, policy)).toBe(expected);
  });

  it('is 0 with a zero base', () => {
    expect(backoffDelay(3, { ...policy, backoffBaseMs: 0 })).toBe(0);
  });
});

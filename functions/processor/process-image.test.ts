import { status } from '@grpc/grpc-js';
import { neverReachedInference } from './process-image.js';
import { ProbeFailedError } from './recognizer-breaker.js';

describe('neverReachedInference', () => {
  const grpcError = (grpcCode: number, message: string) =>
    Object.assign(new Error(message), { grpcCode, retryable: true });

  it.each([
    ['breaker open', Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' }), true],
    ['half-open probe not SERVING', new ProbeFailedError('not serving'), true],
    ['recognizer queue full', grpcError(status.RESOURCE_EXHAUSTED, 'busy'), true],
    [
      'recognizer warming up',
      grpcError(status.UNAVAILABLE, 'the recognizer is starting (models warming up)'),
      true,
    ],
    [
      'recognizer not reachable',
      grpcError(status.UNAVAILABLE, 'No connection established. Last error: connect ECONNREFUSED'),
      true,
    ],
    [
      'a worker crashed on the photo',
      grpcError(status.UNAVAILABLE, 'inference worker crashed'),
      false,
    ],
    ['the call ran out of time', grpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), false],
    ['an internal error', grpcError(status.INTERNAL, 'boom'), false],
  ])('%s -> %s', (_name, error, expected) => {
    expect(neverReachedInference(error)).toBe(expected);
  });
});

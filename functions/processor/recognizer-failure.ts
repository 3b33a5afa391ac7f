import { status as grpcStatus } from '@grpc/grpc-js';
import type { ErrorCode } from '../../lib/errors.js';
import { RecognizerError } from '../../lib/recognizer/client.js';
import { isBreakerOpenError, ProbeFailedError } from './recognizer-breaker.js';

/**
 * What a failed Identify means for the photo, decided from codes alone (never message text):
 * - `not-attempted`: inference never ran on it (breaker open, refused with a refusal code, or
 *   the connection failed before a worker took the job). Says nothing about the photo: the
 *   attempt is given back.
 * - `attempted`: inference ran or the call used up its deadline; counts toward
 *   MAX_IMAGE_ATTEMPTS.
 * - `crashed`: the recognizer process died while inference ran on the photo (the call had the
 *   `inference-started` header and then lost its connection without a code). Counts, and
 *   toward MAX_IMAGE_CRASHES.
 * - `permanent`: the photo itself is refused (missing, corrupt…): FAILED with that code.
 */
export type RecognizerFailure =
  | { kind: 'not-attempted' }
  | { kind: 'attempted' }
  | { kind: 'crashed' }
  | { kind: 'permanent'; code: ErrorCode };

/** The recognizer's codes for refusing a call before any inference (lib/errors.ts). */
export const REFUSAL_CODES: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'RECOGNIZER_STARTING',
  'RECOGNIZER_BUSY',
  'RECOGNIZER_SHUTTING_DOWN',
]);

/** Transport failures that, once inference had started, mean the process went away. */
const LOST_CONNECTION: ReadonlySet<grpcStatus> = new Set([
  grpcStatus.UNAVAILABLE,
  grpcStatus.INTERNAL,
  grpcStatus.UNKNOWN,
]);

export function judgeRecognizerFailure(error: unknown): RecognizerFailure {
  if (isBreakerOpenError(error) || error instanceof ProbeFailedError)
    return { kind: 'not-attempted' };
  // Anything else thrown around the call (a bug, say) counts: MAX_IMAGE_ATTEMPTS bounds it.
  if (!(error instanceof RecognizerError)) return { kind: 'attempted' };
  if (error.fromServer) {
    if (REFUSAL_CODES.has(error.errorCode)) return { kind: 'not-attempted' };
    return error.retryable ? { kind: 'attempted' } : { kind: 'permanent', code: error.errorCode };
  }
  // No code: the call failed in transport, or the server is not a facetrail recognizer.
  if (!error.retryable) return { kind: 'permanent', code: error.errorCode };
  if (error.grpcCode === grpcStatus.DEADLINE_EXCEEDED) return { kind: 'attempted' };
  if (!error.inferenceStarted) return { kind: 'not-attempted' };
  return LOST_CONNECTION.has(error.grpcCode) ? { kind: 'crashed' } : { kind: 'attempted' };
}

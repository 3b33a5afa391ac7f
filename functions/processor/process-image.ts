import type { ImagesRepository, NewFace } from '../../lib/db/images-repo.js';
import type { Logger } from '../../lib/logger.js';
import { status as grpcStatus } from '@grpc/grpc-js';
import { isBreakerOpenError, ProbeFailedError } from './recognizer-breaker.js';
import type { Box } from '../../lib/box.js';

/** A face as the recognizer reports it (lib/recognizer-client's Identify result). */
export interface IdentifiedFace {
  box: Box;
  score: number;
  match?: { personId: number; personName: string; distance: number } | null;
  quality?: { size: number; sharpness: number; yaw: number; roll: number } | null;
  /** Why no identity was given (TOO_SMALL, TOO_BLURRED); empty or absent when compared. */
  unidentifiable?: string;
  /** The encoded descriptor, stored so the decision can be replayed without inference. */
  descriptor?: Uint8Array;
}

export interface IdentifyAnswer {
  faces: IdentifiedFace[];
  descriptorVersion?: string;
  matchVersion?: string;
}

export interface ProcessDeps {
  images: ImagesRepository;
  identify: (request: { path: string }) => Promise<IdentifyAnswer>;
  /** False while the recognizer is known to be down (breaker open, or half-open and not SERVING). */
  admits: () => Promise<boolean>;
  leaseMs: number;
  maxImageAttempts: number;
  logger: Logger;
}

/** What the processor answers for one event; `retry` maps to 503 with Retry-After. */
export type ProcessOutcome =
  | { kind: 'processed'; imageId: number; faces: number; matched: number }
  | { kind: 'failed'; imageId: number; code: string }
  | { kind: 'duplicate'; imageId: number; status: string }
  | { kind: 'unknown-image'; imageId: number }
  | { kind: 'retry'; imageId: number; reason: string };

/**
 * Whether a failed Identify never got to run inference on the photo: the breaker refused it,
 * the recognizer was starting, full, or not reachable. Such a failure says nothing about the
 * photo, so it must not count toward MAX_IMAGE_ATTEMPTS (which is there to stop a photo that
 * itself crashes or stalls the recognizer).
 */
export function neverReachedInference(error: unknown): boolean {
  if (isBreakerOpenError(error) || error instanceof ProbeFailedError) return true;
  const { grpcCode, message = '' } = error as { grpcCode?: number; message?: string };
  if (grpcCode === grpcStatus.RESOURCE_EXHAUSTED) return true;
  return (
    grpcCode === grpcStatus.UNAVAILABLE &&
    /starting|No connection established|ECONNREFUSED|connect/i.test(message)
  );
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Claims the image, identifies it and records the answer exactly once. A permanent failure
 * (the photo is missing or broken) is final; a transient one puts the image back to PENDING
 * so a later delivery (or the redeemer) tries again.
 */
export async function processImage(deps: ProcessDeps, imageId: number): Promise<ProcessOutcome> {
  // While the recognizer is down there is no point taking the image (and counting an attempt).
  if (!(await deps.admits())) return { kind: 'retry', imageId, reason: 'recognizer circuit open' };

  const outcome = await deps.images.claim(imageId, deps.leaseMs);
  if (outcome.kind === 'missing') return { kind: 'unknown-image', imageId };
  if (outcome.kind === 'final') return { kind: 'duplicate', imageId, status: outcome.status };
  // Someone else holds a live claim: this delivery is a duplicate; the lease covers a crash.
  if (outcome.kind === 'busy') return { kind: 'duplicate', imageId, status: 'PROCESSING' };

  const { claim } = outcome;
  const log = deps.logger.child({ imageId, attempt: claim.attempts });
  if (claim.attempts > deps.maxImageAttempts) {
    await deps.images.fail(
      claim,
      'TOO_MANY_ATTEMPTS',
      `gave up after ${deps.maxImageAttempts} attempts`,
    );
    log.warn('giving up on image');
    return { kind: 'failed', imageId, code: 'TOO_MANY_ATTEMPTS' };
  }

  let answer: IdentifyAnswer;
  try {
    answer = await deps.identify({ path: claim.path });
  } catch (error) {
    const { retryable, errorCode } = error as { retryable?: boolean; errorCode?: string };
    if (isBreakerOpenError(error) || retryable !== false) {
      await deps.images.release(claim, 'RECOGNIZER_UNAVAILABLE', describe(error), {
        uncount: neverReachedInference(error),
      });
      log.warn({ err: describe(error) }, 'recognizer unavailable; image released for retry');
      return { kind: 'retry', imageId, reason: describe(error) };
    }
    const code = errorCode ?? 'RECOGNITION_FAILED';
    await deps.images.fail(claim, code, describe(error));
    log.info({ code }, 'image failed permanently');
    return { kind: 'failed', imageId, code };
  }

  const { faces } = answer;
  const rows: NewFace[] = faces.map((face) => ({
    box: face.box,
    score: face.score,
    personId: face.match?.personId ?? null,
    distance: face.match?.distance ?? null,
    quality: face.quality ?? null,
    unidentifiable: face.unidentifiable || null,
    descriptor: face.descriptor?.byteLength ? face.descriptor : null,
    descriptorVersion: answer.descriptorVersion || null,
    matchVersion: answer.matchVersion || null,
  }));
  if (!(await deps.images.complete(claim, rows))) {
    log.warn('claim lost before completion (lease expired); another attempt owns the image');
    return { kind: 'duplicate', imageId, status: 'PROCESSING' };
  }
  // Counts only: the answer goes to the adapter and the log to operators; who was seen stays
  // in the database, behind a key.
  const matched = faces.filter((face) => face.match).length;
  log.info({ faces: faces.length, matched }, 'image processed');
  return { kind: 'processed', imageId, faces: faces.length, matched };
}

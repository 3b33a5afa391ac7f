import type { Claim, ImageClaimsRepository, NewFace } from '../../lib/db/images/claims-repo.js';
import type { Logger } from '../../lib/logger.js';
import { ERRORS } from '../../lib/errors.js';
import { judgeRecognizerFailure } from './recognizer-failure.js';
import type { Box } from '../../lib/box.js';

/** A face as the recognizer reports it (lib/recognizer/protocol's IdentifyResult). */
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
  images: ImageClaimsRepository;
  /** `exclusive`: run alone on the recognizer (a photo that crashed one before). */
  identify: (request: { path: string; exclusive?: boolean }) => Promise<IdentifyAnswer>;
  /** False while the recognizer is known to be down (breaker open, or half-open and not SERVING). */
  admits: () => Promise<boolean>;
  leaseMs: number;
  maxImageAttempts: number;
  /** A photo that took a recognizer process down this many times ends FAILED RECOGNIZER_CRASHED. */
  maxImageCrashes: number;
  logger: Logger;
}

/** What the processor answers for one event; `retry` maps to 503 with Retry-After. */
export type ProcessOutcome =
  | { kind: 'processed'; imageId: number; faces: number; matched: number }
  | { kind: 'failed'; imageId: number; code: string }
  | { kind: 'duplicate'; imageId: number; status: string }
  | { kind: 'unknown-image'; imageId: number }
  | { kind: 'retry'; imageId: number; reason: string };

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function crashedOut(deps: ProcessDeps, claim: Claim, log: Logger): Promise<ProcessOutcome> {
  await deps.images.fail(claim, 'RECOGNIZER_CRASHED', ERRORS.RECOGNIZER_CRASHED.message);
  log.error({ crashes: deps.maxImageCrashes }, 'photo crashes the recognizer; not sent again');
  return { kind: 'failed', imageId: claim.id, code: 'RECOGNIZER_CRASHED' };
}

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

  if (claim.crashes >= deps.maxImageCrashes) return crashedOut(deps, claim, log);

  // A suspect (it crashed a recognizer once, maybe with others' photos beside it) runs alone,
  // so a second crash is surely its own and takes no one else's work down.
  const alone = claim.crashes > 0;
  let answer: IdentifyAnswer;
  try {
    answer = await deps.identify({ path: claim.path, ...(alone ? { exclusive: true } : {}) });
  } catch (error) {
    const failure = judgeRecognizerFailure(error);
    if (failure.kind === 'permanent') {
      await deps.images.fail(claim, failure.code, describe(error));
      log.info({ code: failure.code }, 'image failed permanently');
      return { kind: 'failed', imageId, code: failure.code };
    }
    if (failure.kind === 'crashed') {
      const crashes = await deps.images.recordCrash(claim, { alone });
      log.error({ crashes, alone }, 'the recognizer process went down during this photo');
      if (crashes !== undefined && crashes >= deps.maxImageCrashes)
        return crashedOut(deps, claim, log);
    }
    const code = (error as { errorCode?: string }).errorCode ?? 'RECOGNIZER_UNAVAILABLE';
    await deps.images.release(claim, code, describe(error), {
      uncount: failure.kind === 'not-attempted',
    });
    log.warn({ err: describe(error), failure: failure.kind }, 'image released for retry');
    return { kind: 'retry', imageId, reason: describe(error) };
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

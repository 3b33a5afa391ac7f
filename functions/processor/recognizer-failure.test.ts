import { status } from '@grpc/grpc-js';
import type { Claim, ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { createLogger } from '../../lib/logger.js';
import { RecognizerError } from '../../lib/recognizer/client.js';
import { processImage } from './process-image.js';
import { ProbeFailedError } from './recognizer-breaker.js';
import { judgeRecognizerFailure } from './recognizer-failure.js';

const fromServer = (grpcCode: status, errorCode: RecognizerError['errorCode'], message = 'x') =>
  new RecognizerError(message, grpcCode, errorCode, grpcCode !== status.NOT_FOUND, {
    fromServer: true,
  });
/** A failure with no `error-code` trailer: the transport's, not the recognizer's. */
const transport = (grpcCode: status, message: string, inferenceStarted: boolean) =>
  new RecognizerError(message, grpcCode, 'RECOGNIZER_UNAVAILABLE', true, { inferenceStarted });

describe('judgeRecognizerFailure: from codes, never from message text', () => {
  it.each([
    [
      'breaker open',
      Object.assign(new Error('Breaker is open'), { code: 'EOPENBREAKER' }),
      'not-attempted',
    ],
    ['half-open probe not SERVING', new ProbeFailedError('not serving'), 'not-attempted'],
    ['RECOGNIZER_STARTING', fromServer(status.UNAVAILABLE, 'RECOGNIZER_STARTING'), 'not-attempted'],
    ['RECOGNIZER_BUSY', fromServer(status.RESOURCE_EXHAUSTED, 'RECOGNIZER_BUSY'), 'not-attempted'],
    [
      'RECOGNIZER_SHUTTING_DOWN',
      fromServer(status.UNAVAILABLE, 'RECOGNIZER_SHUTTING_DOWN'),
      'not-attempted',
    ],
    [
      'connection refused before the call was sent',
      transport(
        status.UNAVAILABLE,
        'No connection established. Last error: connect ECONNREFUSED',
        false,
      ),
      'not-attempted',
    ],
    [
      'connection dropped while the call waited for a worker',
      transport(status.UNAVAILABLE, 'Connection dropped', false),
      'not-attempted',
    ],
    [
      // The bug of issue 9: this message matched /connect/ and the attempt was given back.
      'connection dropped during inference: the process died on the photo',
      transport(status.UNAVAILABLE, 'Connection dropped', true),
      'crashed',
    ],
    ['a stream reset during inference', transport(status.INTERNAL, 'RST_STREAM', true), 'crashed'],
    [
      // A message saying "starting" decides nothing: only the code does.
      'a crash whose text mentions starting',
      transport(status.UNAVAILABLE, 'the recognizer is starting', true),
      'crashed',
    ],
    [
      'the deadline passed (no header)',
      transport(status.DEADLINE_EXCEEDED, 'Deadline exceeded', false),
      'attempted',
    ],
    [
      'the deadline passed during inference',
      transport(status.DEADLINE_EXCEEDED, 'Deadline exceeded', true),
      'attempted',
    ],
    [
      'a worker thread crashed (INFERENCE_CRASHED)',
      fromServer(status.UNAVAILABLE, 'INFERENCE_CRASHED'),
      'attempted',
    ],
    [
      'inference ran too long (INFERENCE_TIMEOUT)',
      fromServer(status.DEADLINE_EXCEEDED, 'INFERENCE_TIMEOUT'),
      'attempted',
    ],
    ['an internal error with its code', fromServer(status.INTERNAL, 'INTERNAL'), 'attempted'],
    ['something else thrown', new Error('boom'), 'attempted'],
  ])('%s', (_name, error, expected) => {
    expect(judgeRecognizerFailure(error).kind).toBe(expected);
  });

  it('a refused photo is permanent, with the code the recognizer sent', () => {
    expect(judgeRecognizerFailure(fromServer(status.NOT_FOUND, 'FILE_NOT_FOUND'))).toEqual({
      kind: 'permanent',
      code: 'FILE_NOT_FOUND',
    });
  });
});

/** An images repository in memory for one image: enough for processImage's decisions. */
function fakeImages() {
  const row = { status: 'PENDING', attempts: 0, crashes: 0, code: null as string | null };
  const holds = (claim: Claim) => row.status === 'PROCESSING' && row.attempts === claim.attempts;
  const images = {
    claim: async () => {
      if (row.status !== 'PENDING') return { kind: 'final', status: row.status };
      row.status = 'PROCESSING';
      row.attempts += 1;
      return {
        kind: 'claimed',
        claim: { id: 1, path: 'crash.jpg', attempts: row.attempts, crashes: row.crashes },
      };
    },
    recordCrash: async (claim: Claim, { alone }: { alone: boolean }) => {
      if (!holds(claim)) return undefined;
      row.crashes = alone ? claim.crashes + 1 : Math.max(claim.crashes, 1);
      return row.crashes;
    },
    release: async (claim: Claim, code: string, _m: string, { uncount = false } = {}) => {
      if (!holds(claim)) return false;
      Object.assign(row, { status: 'PENDING', code, attempts: row.attempts - (uncount ? 1 : 0) });
      return true;
    },
    fail: async (claim: Claim, code: string) => {
      if (!holds(claim)) return false;
      Object.assign(row, { status: 'FAILED', code });
      return true;
    },
    complete: async () => true,
  };
  return { row, images: images as unknown as ImageClaimsRepository };
}

describe('processImage with a photo that takes the recognizer process down', () => {
  const deps = (
    images: ImageClaimsRepository,
    identify: (r: { exclusive?: boolean }) => Promise<never>,
  ) => ({
    images,
    identify,
    admits: async () => true,
    leaseMs: 60_000,
    maxImageAttempts: 10,
    maxImageCrashes: 2,
    logger: createLogger('processor', 'silent'),
  });

  it('ends FAILED RECOGNIZER_CRASHED on its second crash; the second run is alone', async () => {
    const { row, images } = fakeImages();
    const calls: Array<boolean | undefined> = [];
    const identify = async (request: { exclusive?: boolean }) => {
      calls.push(request.exclusive);
      throw transport(status.UNAVAILABLE, 'Connection dropped', true);
    };
    expect(await processImage(deps(images, identify), 1)).toMatchObject({ kind: 'retry' });
    expect(row).toMatchObject({ status: 'PENDING', attempts: 1, crashes: 1 });
    expect(await processImage(deps(images, identify), 1)).toEqual({
      kind: 'failed',
      imageId: 1,
      code: 'RECOGNIZER_CRASHED',
    });
    expect(row).toMatchObject({ status: 'FAILED', code: 'RECOGNIZER_CRASHED', crashes: 2 });
    expect(calls).toEqual([undefined, true]);
  });

  it('gives the attempt back when the recognizer refused the call with a code', async () => {
    const { row, images } = fakeImages();
    const identify = async () => {
      throw fromServer(status.UNAVAILABLE, 'RECOGNIZER_STARTING');
    };
    for (let i = 0; i < 3; i += 1) await processImage(deps(images, identify), 1);
    expect(row).toMatchObject({
      status: 'PENDING',
      attempts: 0,
      crashes: 0,
      code: 'RECOGNIZER_STARTING',
    });
  });

  it('counts a lost deadline as an attempt, but not as a crash', async () => {
    const { row, images } = fakeImages();
    const identify = async () => {
      throw transport(status.DEADLINE_EXCEEDED, 'Deadline exceeded', true);
    };
    await processImage(deps(images, identify), 1);
    await processImage(deps(images, identify), 1);
    expect(row).toMatchObject({ status: 'PENDING', attempts: 2, crashes: 0 });
  });
});

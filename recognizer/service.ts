import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../lib/logger.js';
import { decodeDescriptor, encodeDescriptor } from '../lib/db/people-repo.js';
import { AppError } from '../lib/errors.js';
import {
  INFERENCE_EXCLUSIVE_METADATA_KEY,
  INFERENCE_STARTED_METADATA_KEY,
  type DescribeRequest__Output,
  type DescribeResponse,
  type EnrollRequest__Output,
  type EnrollResponse,
  type FolderEnrollmentSummary,
  type IdentifyRequest__Output,
  type IdentifyResponse,
  type RecognizerHandlers,
  type RefreshGalleryRequest__Output,
  type RefreshGalleryResponse,
  type RescoreRequest__Output,
  type RescoreResponse,
} from '../lib/recognizer/protocol.js';
import type { Enroller } from './enroller.js';
import { contentHash } from './enroller.js';
import type { Analysis } from './face-analyzer.js';
import { DESCRIPTOR_LENGTH, type Gallery, type Neighbour } from './gallery.js';
import { crashesOn, killThisProcessSoon } from './fault-injection.js';
import { mapError, toServiceError } from './grpc-errors.js';
import type { JobHooks } from './inference-pool.js';
import { loadImageSource } from './image-source.js';
import type { MatchPolicy } from './match-policy.js';

/** What Describe reports as `detector`: the networks and the settings that change answers. */
export function describeDetector(settings: {
  detector: 'ssd' | 'tiny';
  minDetectionScore: number;
  tinyInputSize: number;
  inferenceMaxSide: number;
  smallPhotoSide: number;
  smallPhotoPadding: number;
  mirrorAverage: 'small' | 'always' | 'never';
  matchStrategy: 'mean' | 'nearest';
}): string {
  const detector =
    settings.detector === 'ssd'
      ? `ssd_mobilenet_v1 (min score ${settings.minDetectionScore})`
      : `tiny_face_detector (input ${settings.tinyInputSize}, min score ${settings.minDetectionScore})`;
  const small =
    settings.smallPhotoSide > 0 && settings.smallPhotoPadding > 0
      ? `photos under ${settings.smallPhotoSide} px enlarged to it and bordered by ${settings.smallPhotoPadding}× of it`
      : 'small photos as they are';
  return [
    `${detector} + face_landmark_68 + face_recognition (128-d ResNet) via @vladmandic/face-api`,
    `photos scaled to ${settings.inferenceMaxSide} px at most`,
    small,
    settings.mirrorAverage === 'always'
      ? 'descriptors averaged with the mirror image'
      : settings.mirrorAverage === 'small'
        ? 'descriptors of enlarged small photos averaged with the mirror image'
        : 'single descriptors',
    settings.matchStrategy === 'mean'
      ? "matched against the mean of each person's descriptors"
      : "matched against each person's nearest photo",
  ].join('; ');
}

export interface ServiceState {
  /** True once models are warm and the folder is enrolled (health SERVING). */
  ready: boolean;
  /** True once a graceful stop began: calls are refused as RECOGNIZER_SHUTTING_DOWN. */
  stopping?: boolean;
  backend: string;
  folderEnrollment: FolderEnrollmentSummary;
}

export interface RecognizerServiceDependencies {
  state: ServiceState;
  imagesRoot: string;
  maxImageBytes: number;
  /** The match rule (thresholds by face size, unidentifiable faces). */
  policy: MatchPolicy;
  /** What makes this replica's descriptors (descriptorVersion); replays compare only like with like. */
  descriptorVersion: string;
  minDetectionScore: number;
  /** Describe's `detector` text (describeDetector). */
  detector: string;
  workers: number;
  analyze(bytes: Uint8Array, signal?: AbortSignal, hooks?: JobHooks): Promise<Analysis>;
  /** Test-only fault switch FACETRAIL_FAULT_CRASH_PATH (recognizer/fault-injection.ts). */
  faultCrashPath?: string;
  /** What the fault switch does; default: SIGKILL this process. Unit tests substitute a spy. */
  crashProcess?: () => void;
  inferences(): number;
  gallery(): Gallery;
  reloadGallery(): Promise<Gallery>;
  enroller: Pick<Enroller, 'enroll'>;
  logger: Logger;
}

interface WireMatch {
  personId: number;
  personName: string;
  distance: number;
}

const toWire = (neighbour: Neighbour | undefined): WireMatch | null =>
  neighbour
    ? {
        personId: neighbour.personId,
        personName: neighbour.personName,
        distance: neighbour.distance,
      }
    : null;

type Handler<Request, Response> = (
  request: Request,
  signal: AbortSignal,
  call: grpc.ServerUnaryCall<Request, Response>,
) => Promise<Response>;

/**
 * Wraps an async handler as a grpc-js unary handler: cancellation reaches the handler as an
 * AbortSignal, every failure becomes a status plus the `error-code` trailer, and every call
 * is logged with its outcome and duration.
 */
function unary<Request, Response>(
  method: string,
  logger: Logger,
  handler: Handler<Request, Response>,
): grpc.handleUnaryCall<Request, Response> {
  return (call, callback) => {
    const started = performance.now();
    const controller = new AbortController();
    call.on('cancelled', () => controller.abort());
    handler(call.request, controller.signal, call).then(
      (response) => {
        logger.debug({ method, ms: Math.round(performance.now() - started) }, 'call answered');
        callback(null, response);
      },
      (error: unknown) => {
        const mapped = mapError(error);
        const fields = {
          method,
          ms: Math.round(performance.now() - started),
          code: mapped.errorCode,
          status: grpc.status[mapped.status],
        };
        if (mapped.unexpected) logger.error({ ...fields, err: error }, mapped.message);
        else logger.info(fields, mapped.message);
        callback(toServiceError(mapped));
      },
    );
  };
}

/** The Recognizer service's handlers (Identify, Enroll, RefreshGallery, Describe). */
export function createRecognizerService(deps: RecognizerServiceDependencies): RecognizerHandlers {
  const { logger } = deps;
  // Refusals carry their own code, so callers know no inference ran on the photo.
  const requireReady = () => {
    if (deps.state.stopping) throw new AppError('RECOGNIZER_SHUTTING_DOWN');
    if (!deps.state.ready) throw new AppError('RECOGNIZER_STARTING');
  };
  /**
   * The job hooks of one Identify call: the `inference-started` header once a worker takes the
   * job (the caller then counts a lost connection as the photo's attempt), the exclusive run
   * the caller asked for, and the test-only crash switch.
   */
  const identifyHooks = (
    call: grpc.ServerUnaryCall<unknown, unknown>,
    imagePath: string | undefined,
  ): JobHooks => {
    const crash = crashesOn(deps.faultCrashPath, imagePath);
    let started = false;
    return {
      exclusive: call.metadata.get(INFERENCE_EXCLUSIVE_METADATA_KEY).length > 0,
      onStarted: () => {
        if (started) return;
        started = true;
        const headers = new grpc.Metadata();
        headers.set(INFERENCE_STARTED_METADATA_KEY, '1');
        call.sendMetadata(headers);
        if (crash) {
          logger.warn({ path: imagePath }, 'FACETRAIL_FAULT_CRASH_PATH: killing this process');
          (deps.crashProcess ?? killThisProcessSoon)();
        }
      },
    };
  };
  const sourceOptions = { imagesRoot: deps.imagesRoot, maxBytes: deps.maxImageBytes };

  return {
    Identify: unary<IdentifyRequest__Output, IdentifyResponse>(
      'Identify',
      logger,
      async (request, signal, call) => {
        requireReady();
        const image = await loadImageSource(request.image, sourceOptions);
        const analysis = await deps.analyze(
          image.bytes,
          signal,
          identifyHooks(call, image.relativePath),
        );
        // The fault switch's process dies in a moment: never answer, as a real crash would not.
        if (crashesOn(deps.faultCrashPath, image.relativePath)) return new Promise<never>(() => {});
        const gallery = deps.gallery();
        const faces = analysis.faces.map((face) => {
          const nearest = gallery.nearest(face.descriptor);
          const decision = deps.policy.decide(face.quality, nearest);
          return {
            box: face.box,
            score: face.score,
            match: toWire(decision.match),
            nearest: toWire(nearest),
            quality: face.quality,
            unidentifiable: decision.unidentifiable ?? '',
            threshold: decision.threshold,
            descriptor: encodeDescriptor(face.descriptor),
          };
        });
        logger.debug(
          {
            path: image.relativePath,
            faces: faces.length,
            matched: faces.filter((face) => face.match).map((face) => face.match?.personName),
          },
          'identified',
        );
        return {
          faces,
          imageWidth: analysis.width,
          imageHeight: analysis.height,
          descriptorVersion: deps.descriptorVersion,
          matchVersion: deps.policy.version,
        };
      },
    ),

    Enroll: unary<EnrollRequest__Output, EnrollResponse>(
      'Enroll',
      logger,
      async (request, signal) => {
        requireReady();
        const personId = Number(request.personId ?? 0);
        if (!Number.isSafeInteger(personId) || personId <= 0) {
          throw new AppError('INVALID_REQUEST', 'person_id must be a positive person id');
        }
        const image = await loadImageSource(request.image, sourceOptions);
        const imageName =
          request.imageName?.trim() ||
          image.relativePath ||
          `upload-${contentHash(image.bytes).slice(0, 12)}`;
        const outcome = await deps.enroller.enroll(
          { personId, bytes: image.bytes, imageName, sourcePath: image.relativePath },
          signal,
        );
        return {
          personImageId: outcome.personImageId,
          alreadyEnrolled: outcome.alreadyEnrolled,
          box: outcome.box ?? null,
          score: outcome.score ?? 0,
          quality: outcome.quality ?? null,
        };
      },
    ),

    RefreshGallery: unary<RefreshGalleryRequest__Output, RefreshGalleryResponse>(
      'RefreshGallery',
      logger,
      async () => {
        const gallery = await deps.reloadGallery();
        return { descriptors: gallery.size, people: gallery.people };
      },
    ),

    Rescore: unary<RescoreRequest__Output, RescoreResponse>('Rescore', logger, async (request) => {
      requireReady();
      const gallery = deps.gallery();
      const decisions = (request.faces ?? []).map((face) => {
        const id = Number(face.id ?? 0);
        const descriptor = decodeDescriptor(face.descriptor ?? new Uint8Array());
        if (
          face.descriptorVersion !== deps.descriptorVersion ||
          descriptor.length !== DESCRIPTOR_LENGTH ||
          !face.quality
        ) {
          return {
            id,
            skipped: true,
            match: null,
            nearest: null,
            unidentifiable: '',
            threshold: 0,
          };
        }
        const nearest = gallery.nearest(descriptor);
        const decision = deps.policy.decide(face.quality, nearest);
        return {
          id,
          skipped: false,
          match: toWire(decision.match),
          nearest: toWire(nearest),
          unidentifiable: decision.unidentifiable ?? '',
          threshold: decision.threshold,
        };
      });
      return {
        decisions,
        descriptorVersion: deps.descriptorVersion,
        matchVersion: deps.policy.version,
      };
    }),

    Describe: unary<DescribeRequest__Output, DescribeResponse>('Describe', logger, async () => {
      const gallery = deps.gallery();
      return {
        backend: deps.state.backend,
        detector: deps.detector,
        matchThreshold: deps.policy.settings.matchThreshold,
        workers: deps.workers,
        galleryDescriptors: gallery.size,
        galleryPeople: gallery.people,
        inferences: deps.inferences(),
        folderEnrollment: deps.state.folderEnrollment,
        minDetectionScore: deps.minDetectionScore,
        ready: deps.state.ready,
        descriptorVersion: deps.descriptorVersion,
        matchVersion: deps.policy.version,
      };
    }),
  };
}

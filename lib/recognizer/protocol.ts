// The recognizer's protocol, shared by its server (recognizer/) and its client (./client.ts):
// where the proto lives, how it is loaded, the service's name, the metadata keys both sides
// agree on, and the wire shapes. The message types are generated from proto/ by
// `npm run gen:proto` (proto-loader-gen-types, into ./generated); CI's `npm run check:proto`
// fails when they differ from what proto/ produces.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as protoLoader from '@grpc/proto-loader';
import { findUp } from '../find-up.js';
import type { DescribeResponse__Output } from './generated/facetrail/recognizer/v1/DescribeResponse.js';
import type { EnrollResponse__Output } from './generated/facetrail/recognizer/v1/EnrollResponse.js';
import type { Face__Output } from './generated/facetrail/recognizer/v1/Face.js';
import type { FaceQuality__Output } from './generated/facetrail/recognizer/v1/FaceQuality.js';
import type { FolderEnrollment__Output } from './generated/facetrail/recognizer/v1/FolderEnrollment.js';
import type { IdentifyResponse__Output } from './generated/facetrail/recognizer/v1/IdentifyResponse.js';
import type { Match__Output } from './generated/facetrail/recognizer/v1/Match.js';
import type { RecognizerDefinition } from './generated/facetrail/recognizer/v1/Recognizer.js';
import type { RefreshGalleryResponse__Output } from './generated/facetrail/recognizer/v1/RefreshGalleryResponse.js';
import type { RescoreDecision__Output } from './generated/facetrail/recognizer/v1/RescoreDecision.js';
import type { RescoreResponse__Output } from './generated/facetrail/recognizer/v1/RescoreResponse.js';

export type {
  RecognizerClient as GeneratedRecognizerClient,
  RecognizerDefinition,
  RecognizerHandlers,
} from './generated/facetrail/recognizer/v1/Recognizer.js';
// Requests as the client sends them and the server receives them (`…__Output`), and responses
// as the server sends them.
export type { DescribeRequest__Output } from './generated/facetrail/recognizer/v1/DescribeRequest.js';
export type { DescribeResponse } from './generated/facetrail/recognizer/v1/DescribeResponse.js';
export type {
  EnrollRequest,
  EnrollRequest__Output,
} from './generated/facetrail/recognizer/v1/EnrollRequest.js';
export type { EnrollResponse } from './generated/facetrail/recognizer/v1/EnrollResponse.js';
export type {
  IdentifyRequest,
  IdentifyRequest__Output,
} from './generated/facetrail/recognizer/v1/IdentifyRequest.js';
export type { IdentifyResponse } from './generated/facetrail/recognizer/v1/IdentifyResponse.js';
export type {
  ImageSource,
  ImageSource__Output,
} from './generated/facetrail/recognizer/v1/ImageSource.js';
export type { RefreshGalleryRequest__Output } from './generated/facetrail/recognizer/v1/RefreshGalleryRequest.js';
export type { RefreshGalleryResponse } from './generated/facetrail/recognizer/v1/RefreshGalleryResponse.js';
export type {
  RescoreRequest,
  RescoreRequest__Output,
} from './generated/facetrail/recognizer/v1/RescoreRequest.js';
export type { RescoreResponse } from './generated/facetrail/recognizer/v1/RescoreResponse.js';

/** Fully qualified name of the recognizer service (also its grpc.health.v1 service name). */
export const RECOGNIZER_SERVICE = 'facetrail.recognizer.v1.Recognizer';

/** Trailing metadata key carrying the facetrail error code (lib/errors.ts) of a failed call. */
export const ERROR_CODE_METADATA_KEY = 'error-code';

/**
 * Initial metadata (a header) the recognizer sends when an Identify job starts on an inference
 * worker. A call that failed after it reached inference; one that failed without it never did
 * (refused, queued, or not connected), which says nothing about the photo.
 */
export const INFERENCE_STARTED_METADATA_KEY = 'inference-started';

/**
 * Request metadata asking the recognizer to run this photo's inference alone on its process (no
 * other job on any worker meanwhile): the processor sends a photo that once crashed a
 * recognizer this way, so a second crash is its own and takes no one else's work with it.
 */
export const INFERENCE_EXCLUSIVE_METADATA_KEY = 'inference-exclusive';

/** Metadata key of the shared secret every Recognizer call carries: `Bearer <RECOGNIZER_SECRET>`. */
export const RECOGNIZER_SECRET_METADATA_KEY = 'authorization';

const PROTO_RELATIVE = path.join('proto', 'recognizer', 'v1', 'recognizer.proto');

/**
 * Finds proto/recognizer/v1/recognizer.proto by walking up from this module: the same code
 * runs from lib/recognizer/ (tsx) and from dist/lib/recognizer/ (compiled), where the proto
 * sits one level higher.
 */
export function findRecognizerProto(start = path.dirname(fileURLToPath(import.meta.url))): string {
  return findUp(PROTO_RELATIVE, start);
}

/**
 * proto-loader options shared by the server and the client: camelCase fields, int64 as number.
 * Keep in step with the flags of `npm run gen:proto` (--longs=Number --enums=String --defaults
 * --oneofs), which make the generated `…__Output` types describe what these options deliver.
 */
export const PROTO_LOADER_OPTIONS: protoLoader.Options = {
  keepCase: false,
  longs: Number,
  enums: String,
  defaults: true,
  oneofs: true,
};

let cachedDefinition: protoLoader.PackageDefinition | undefined;

/** The loaded recognizer package definition (parsed once per process). */
export function loadRecognizerDefinition(): protoLoader.PackageDefinition {
  cachedDefinition ??= protoLoader.loadSync(findRecognizerProto(), PROTO_LOADER_OPTIONS);
  return cachedDefinition;
}

/** The Recognizer service definition, for `server.addService` and client constructors. */
export function recognizerServiceDefinition(): RecognizerDefinition {
  const definition = loadRecognizerDefinition()[RECOGNIZER_SERVICE];
  if (!definition || !('Identify' in definition))
    throw new Error(`${RECOGNIZER_SERVICE} missing from the proto`);
  return definition as unknown as RecognizerDefinition;
}

// ---------------------------------------------------------------------------------------
// Wire shapes: the generated `…__Output` types (what proto-loader delivers with
// PROTO_LOADER_OPTIONS), narrowed where the contract says more than proto3 can: proto3 makes
// every message field optional (null when absent), but the recognizer always sets the ones
// named below, and `unidentifiable` holds one of two reasons or nothing.

/** T with the message fields K always present. */
type WithFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };

/** How good a face is for identification (recognizer/face-quality.ts, docs/performance.md). */
export type FaceQuality = FaceQuality__Output;

export type FaceMatch = Match__Output;

/** Why a face got no identity: too small or too blurred for its descriptor to tell. */
export type UnidentifiableReason = 'TOO_SMALL' | 'TOO_BLURRED';

export type IdentifiedFace = WithFields<Omit<Face__Output, 'unidentifiable'>, 'box' | 'quality'> & {
  /** Empty string when identifiable. */
  unidentifiable: UnidentifiableReason | '';
};

export type IdentifyResult = Omit<IdentifyResponse__Output, 'faces'> & {
  faces: IdentifiedFace[];
};

/** A stored face to decide again (the client's input; sent as a RescoreFace message). */
export interface RescoreFace {
  id: number;
  descriptor: Uint8Array;
  quality: FaceQuality;
  descriptorVersion: string;
}

export type RescoreDecision = Omit<RescoreDecision__Output, 'unidentifiable'> & {
  unidentifiable: UnidentifiableReason | '';
};

export type RescoreResult = Omit<RescoreResponse__Output, 'decisions'> & {
  decisions: RescoreDecision[];
};

/** The Enroll answer; box and quality are null when the photo was already enrolled. */
export type EnrollResult = EnrollResponse__Output;

export type FolderEnrollmentSummary = FolderEnrollment__Output;

export type RecognizerDescription = WithFields<DescribeResponse__Output, 'folderEnrollment'>;

export type GalleryCounts = RefreshGalleryResponse__Output;

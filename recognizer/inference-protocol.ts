/**
 * Messages between the inference pool (main thread) and its workers, and the pool's error.
 * Images cross the thread boundary already decoded: RGB, 8 bits per channel, row-major.
 * This module is a leaf: config.ts and face-pipeline.ts import the names from here.
 */
import type { Box } from '../lib/box.js';

/** Face detectors the worker can run: SSD MobileNet v1 (the default) or TinyFaceDetector. */
export const DETECTORS = ['ssd', 'tiny'] as const;
export type DetectorName = (typeof DETECTORS)[number];

/** tfjs backends the worker may load; `auto` picks tfjs-node when installed, else wasm. */
export const INFERENCE_BACKENDS = ['auto', 'wasm', 'tensorflow'] as const;
export type InferenceBackendPreference = (typeof INFERENCE_BACKENDS)[number];

export type { Box };

/** A decoded image ready for the detector. */
export interface RawImage {
  /** width * height * 3 bytes, RGB. */
  data: Uint8Array;
  width: number;
  height: number;
}

/** What the worker measures of a face besides its descriptor (recognizer/face-quality.ts). */
export interface FaceMeasures {
  /** Contrast-normalised Laplacian deviation of the aligned face at 64×64 (higher: sharper). */
  sharpness: number;
  /** Head turn in degrees, from the landmarks. */
  yaw: number;
  /** Eye-line tilt in degrees. */
  roll: number;
}

export interface DetectedFace {
  /** In the coordinates of the image the worker received. */
  box: Box;
  score: number;
  /** 128 values. */
  descriptor: Float32Array;
  measures: FaceMeasures;
}

/** Per-image choices the analyzer makes (small photos differ from large ones). */
export interface DetectOptions {
  /** Average each face's descriptor with its mirror image's. */
  mirrorAverage?: boolean;
  /** SSD MobileNet input square for this image. */
  ssdInputSize?: number;
}

/** Given to every worker as workerData. */
export interface WorkerInit {
  backend: InferenceBackendPreference;
  detector: DetectorName;
  minDetectionScore: number;
  /** TinyFaceDetector input size (used when detector is `tiny`). */
  tinyInputSize: number;
  /** SSD input square for photos not enlarged (anchors made at start for it and for 512). */
  ssdInputSize?: number;
}

export type ToWorker = { type: 'detect'; id: number; image: RawImage; options: DetectOptions };

export type FromWorker =
  | { type: 'ready'; backend: string; loadMs: number; warmupMs: number; notes: string[] }
  /** `tensors`: live tfjs tensors after the job (flat unless something leaks). */
  | { type: 'result'; id: number; faces: DetectedFace[]; tensors: number }
  | { type: 'error'; id: number; message: string }
  /** The worker could not start (models, backend); it exits after sending this. */
  | { type: 'fatal'; message: string };

export type InferenceErrorKind =
  /** The worker died (or was restarted) while working on this image. */
  | 'crashed'
  /** The worker took longer than INFERENCE_TIMEOUT_MS; it was restarted. */
  | 'timeout'
  /** Too many calls are waiting for a worker. */
  | 'busy'
  /** The pool is shutting down. */
  | 'closed'
  /** The caller gave up (gRPC call cancelled). */
  | 'cancelled'
  /** The worker threw while processing the image. */
  | 'failed';

/** Failures of the inference machinery (not of the image): all but `failed` are transient. */
export class InferenceError extends Error {
  override name = 'InferenceError';

  constructor(
    readonly kind: InferenceErrorKind,
    message: string,
  ) {
    super(message);
  }

  get retryable(): boolean {
    return this.kind !== 'failed';
  }
}

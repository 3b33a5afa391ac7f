import type { FaceQuality } from '../lib/recognizer/protocol.js';
import type { MirrorPolicy } from './config.js';
import { decodeImage, type DecodeOptions } from './decode.js';
import {
  InferenceError,
  type Box,
  type DetectedFace,
  type DetectOptions,
  type RawImage,
} from './inference-protocol.js';
import type { JobHooks } from './inference-pool.js';

export interface AnalyzedFace {
  /** In pixels of the upright original image (integers, clipped to it). */
  box: Box;
  score: number;
  descriptor: Float32Array;
  quality: FaceQuality;
}

export interface Analysis {
  faces: AnalyzedFace[];
  /** The upright original image's size. */
  width: number;
  height: number;
}

export interface Detector {
  detect(
    image: RawImage,
    signal?: AbortSignal,
    options?: DetectOptions,
    hooks?: JobHooks,
  ): Promise<DetectedFace[]>;
}

export interface FaceAnalyzerOptions extends DecodeOptions {
  /** Images decoded and not yet finished at once (bounds the memory of decoded pixels). */
  concurrency: number;
  /** Calls allowed to wait for one of those places; beyond, InferenceError `busy`. */
  queueLimit: number;
  /** Which photos' faces get mirror-averaged descriptors; default `never`. */
  mirrorAverage?: MirrorPolicy;
  /** SSD input square (default 512, face-api's). */
  ssdInputSize?: number;
  /** SSD input square for enlarged small photos, when it should differ (the benchmark compares). */
  smallPhotoSsdInputSize?: number;
}

/** The face's size for quality: the shorter side of its box, in pixels of the original photo. */
export const faceSize = (box: Box): number => Math.min(box.width, box.height);

/**
 * Maps a box from the analysed image (possibly shrunk, possibly with a border: `from` is
 * where the photo lies in it) back to the original photo's pixels, rounded and clipped.
 */
export function scaleBox(
  box: Box,
  from: { x?: number; y?: number; width: number; height: number },
  to: { width: number; height: number },
): Box {
  const sx = to.width / from.width;
  const sy = to.height / from.height;
  const x = box.x - (from.x ?? 0);
  const y = box.y - (from.y ?? 0);
  const left = Math.min(Math.max(Math.round(x * sx), 0), to.width);
  const top = Math.min(Math.max(Math.round(y * sy), 0), to.height);
  const right = Math.min(Math.max(Math.round((x + box.width) * sx), 0), to.width);
  const bottom = Math.min(Math.max(Math.round((y + box.height) * sy), 0), to.height);
  return { x: left, y: top, width: right - left, height: bottom - top };
}

/**
 * Bytes in, faces out: decode and bound the image (sharp, main thread), detect and describe
 * the faces (a worker), and report boxes in the original image's coordinates. A small
 * semaphore keeps at most `concurrency` decoded images alive; other calls wait holding only
 * their encoded bytes, and past `queueLimit` waiting calls are refused (retryable).
 */
export class FaceAnalyzer {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  private analyses = 0;

  constructor(
    private readonly detector: Detector,
    private readonly options: FaceAnalyzerOptions,
  ) {}

  /** Images analysed (or attempted) since start: what Describe reports as inferences. */
  get count(): number {
    return this.analyses;
  }

  /** `hooks` reach the inference job (recognizer/inference-pool.ts JobHooks). */
  async analyze(bytes: Uint8Array, signal?: AbortSignal, hooks?: JobHooks): Promise<Analysis> {
    await this.acquire(signal);
    try {
      this.analyses += 1;
      const image = await decodeImage(bytes, this.options);
      const policy = this.options.mirrorAverage ?? 'never';
      const faces = await this.detector.detect(
        image,
        signal,
        {
          mirrorAverage: policy === 'always' || (policy === 'small' && image.enlarged),
          ssdInputSize: image.enlarged
            ? (this.options.smallPhotoSsdInputSize ?? this.options.ssdInputSize)
            : this.options.ssdInputSize,
        },
        hooks,
      );
      const to = { width: image.originalWidth, height: image.originalHeight };
      return {
        faces: faces
          .map((face) => {
            const box = scaleBox(face.box, image.content, to);
            return {
              box,
              score: face.score,
              descriptor: face.descriptor,
              quality: { size: faceSize(box), ...face.measures },
            };
          })
          // Only with a border around a small photo: nothing of the box is on the photo.
          .filter((face) => face.box.width > 0 && face.box.height > 0),
        width: image.originalWidth,
        height: image.originalHeight,
      };
    } finally {
      this.release();
    }
  }

  private acquire(signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted)
      return Promise.reject(new InferenceError('cancelled', 'the call was cancelled'));
    if (this.active < this.options.concurrency) {
      this.active += 1;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.options.queueLimit) {
      return Promise.reject(
        new InferenceError(
          'busy',
          `${this.waiting.length} images are already waiting; retry later`,
        ),
      );
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const position = this.waiting.indexOf(grant);
        if (position >= 0) this.waiting.splice(position, 1);
        reject(new InferenceError('cancelled', 'the call was cancelled'));
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.active += 1;
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(grant);
    });
  }

  private release(): void {
    this.active -= 1;
    this.waiting.shift()?.();
  }
}

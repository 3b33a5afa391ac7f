import { boxOf } from '../lib/box.js';
import type { FaceApi, FaceBox, FaceDetection, tfjs } from './faceapi.js';
import { FastDescriptor } from './fast-descriptor.js';
import { FastSsd, SSD_INPUT_SIZE } from './fast-ssd.js';
import { poseFromLandmarks, sharpness } from './face-quality.js';
import type {
  DetectedFace,
  DetectOptions,
  DetectorName,
  FaceMeasures,
  RawImage,
} from './inference-protocol.js';

export interface DetectorSettings {
  detector: DetectorName;
  /** SSD minConfidence / tiny scoreThreshold. */
  minDetectionScore: number;
  /** TinyFaceDetector input size (a multiple of 32). */
  tinyInputSize: number;
  /** SSD MobileNet input square for `detect` when a call does not say (face-api: 512). */
  ssdInputSize?: number;
  /** Default for `detect`: average the descriptors of the aligned face and its mirror image. */
  mirrorAverage?: boolean;
}

/** At most this many faces per photo (face-api's SSD default). */
export const MAX_FACES = 100;
/** Faces described in one batch (bounds the activations' memory on photos of crowds). */
const DESCRIPTOR_BATCH = 8;

interface Crop {
  pixels: Uint8Array;
  width: number;
  height: number;
}

/** Copies the RGB bytes of `box` (clipped to the image and floored, as face-api does). */
function cropPixels(image: RawImage, box: FaceBox): Crop | undefined {
  const { x, y, width, height } = box.clipAtImageBorders(image.width, image.height);
  if (width <= 0 || height <= 0) return undefined;
  const row = width * 3;
  const pixels = new Uint8Array(row * height);
  for (let line = 0; line < height; line++) {
    const start = ((y + line) * image.width + x) * 3;
    pixels.set(image.data.subarray(start, start + row), line * row);
  }
  return { pixels, width, height };
}

const toTensor = (tf: FaceApi['tf'], crop: Crop): tfjs.Tensor3D =>
  tf.tensor3d(crop.pixels, [crop.height, crop.width, 3], 'int32');

/**
 * Detect → 68 landmarks → aligned crop → 128-d descriptor, the same steps and the same numbers
 * as face-api's `detectAllFaces(...).withFaceLandmarks().withFaceDescriptors()`, but:
 *
 * - SSD detection runs through FastSsd (fused layers, NMS on arrays);
 * - face crops are copied from the decoded RGB bytes instead of sliced from an int32 image
 *   tensor (tfjs' slice of a large tensor cost ~20 ms per face on wasm; the bytes are the same);
 * - descriptors come from FastDescriptor (fused layers, faces batched), optionally averaged
 *   with the descriptor of the mirror image (`mirrorAverage`).
 *
 * One instance per thread; `detect` is not re-entrant (the worker runs one job at a time).
 */
/** Turns aligned face crops into descriptors (FastDescriptor; the benchmark tries others). */
export interface Describer {
  describe(faces: tfjs.Tensor3D[], mirror: boolean): Promise<Float32Array[]>;
  dispose(): void;
}

export class FacePipeline {
  private readonly ssd: FastSsd | undefined;
  private readonly descriptor: Describer;
  private readonly tinyOptions: unknown;

  constructor(
    private readonly faceapi: FaceApi,
    private readonly settings: DetectorSettings,
    describer?: Describer,
  ) {
    if (settings.detector === 'ssd')
      this.ssd = new FastSsd(faceapi, [SSD_INPUT_SIZE, settings.ssdInputSize ?? SSD_INPUT_SIZE]);
    this.descriptor = describer ?? new FastDescriptor(faceapi);
    this.tinyOptions = new faceapi.TinyFaceDetectorOptions({
      inputSize: settings.tinyInputSize,
      scoreThreshold: settings.minDetectionScore,
    });
  }

  /** The model files a pipeline with these settings needs (face-api model names). */
  static models(detector: DetectorName): Array<keyof FaceApi['nets']> {
    return [
      detector === 'ssd' ? 'ssdMobilenetv1' : 'tinyFaceDetector',
      'faceLandmark68Net',
      'faceRecognitionNet',
    ];
  }

  async detectFaces(image: tfjs.Tensor3D, ssdInputSize?: number): Promise<FaceDetection[]> {
    if (this.ssd)
      return this.ssd.locateFaces(image, {
        minConfidence: this.settings.minDetectionScore,
        maxResults: MAX_FACES,
        inputSize: ssdInputSize,
      });
    const found = await this.faceapi.nets.tinyFaceDetector.locateFaces(image, this.tinyOptions);
    return found.slice(0, MAX_FACES);
  }

  async detect(image: RawImage, options: DetectOptions = {}): Promise<DetectedFace[]> {
    const mirrorAverage = options.mirrorAverage ?? this.settings.mirrorAverage ?? false;
    const { tf, nets } = this.faceapi;
    const expected = image.width * image.height * 3;
    if (image.data.byteLength !== expected) {
      throw new Error(`image data has ${image.data.byteLength} bytes, expected ${expected}`);
    }
    const tensor = tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
    let detections: FaceDetection[];
    try {
      detections = await this.detectFaces(
        tensor,
        options.ssdInputSize ?? this.settings.ssdInputSize,
      );
    } finally {
      tensor.dispose();
    }
    const located: Array<{
      detection: FaceDetection;
      aligned: tfjs.Tensor3D;
      measures: FaceMeasures;
    }> = [];
    try {
      for (const detection of detections) {
        const crop = cropPixels(image, detection.box);
        if (!crop) continue;
        const face = toTensor(tf, crop);
        let landmarks;
        try {
          landmarks = await nets.faceLandmark68Net.detectLandmarks(face);
        } finally {
          face.dispose();
        }
        const withLandmarks = this.faceapi.extendWithFaceLandmarks(
          this.faceapi.extendWithFaceDetection({}, detection),
          landmarks,
        );
        const alignedCrop = cropPixels(
          image,
          withLandmarks.landmarks.align(null, { useDlibAlignment: true }),
        );
        if (!alignedCrop) continue;
        located.push({
          detection,
          aligned: toTensor(tf, alignedCrop),
          measures: {
            sharpness: sharpness(alignedCrop.pixels, alignedCrop.width, alignedCrop.height),
            ...poseFromLandmarks(withLandmarks.landmarks.positions),
          },
        });
      }
      const faces: DetectedFace[] = [];
      for (let first = 0; first < located.length; first += DESCRIPTOR_BATCH) {
        const batch = located.slice(first, first + DESCRIPTOR_BATCH);
        const descriptors = await this.descriptor.describe(
          batch.map((face) => face.aligned),
          mirrorAverage,
        );
        batch.forEach(({ detection, measures }, index) =>
          faces.push({
            box: boxOf(detection.box),
            score: detection.score,
            descriptor: descriptors[index]!,
            measures,
          }),
        );
      }
      return faces;
    } finally {
      for (const { aligned } of located) aligned.dispose();
    }
  }

  dispose(): void {
    this.ssd?.dispose();
    this.descriptor.dispose();
  }
}

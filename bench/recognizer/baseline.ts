/**
 * "The straightforward way", run in the benchmark's own main thread: plain face-api on the
 * wasm backend, one photo at a time, the full-size photo decoded with sharp (EXIF applied, no
 * downscaling, no border), `detectAllFaces(...).withFaceLandmarks().withFaceDescriptors()`
 * with the recognizer's detector and minimum score. Also the seed's algorithm: encode every
 * known photo again for each request.
 */
import sharp from 'sharp';
import type { FaceApi } from '../../recognizer/faceapi.js';
import type { DetectorName } from '../../recognizer/inference-protocol.js';
import { Gallery, type GalleryEntry } from '../../recognizer/gallery.js';
import { loadFaceApi, loadNets } from '../../recognizer/load-face-api.js';
import { FacePipeline } from '../../recognizer/face-pipeline.js';
import { boxOf, type Box } from '../../lib/box.js';

export interface BaselineFace {
  box: Box;
  score: number;
  descriptor: Float32Array;
}

export interface BaselineSettings {
  detector: DetectorName;
  minDetectionScore: number;
  tinyInputSize: number;
}

export class Baseline {
  private constructor(
    private readonly faceapi: FaceApi,
    private readonly options: unknown,
  ) {}

  static async load(settings: BaselineSettings): Promise<Baseline> {
    const faceapi = await loadFaceApi('wasm');
    await loadNets(faceapi, FacePipeline.models(settings.detector));
    const options =
      settings.detector === 'ssd'
        ? new faceapi.SsdMobilenetv1Options({
            minConfidence: settings.minDetectionScore,
            maxResults: 100,
          })
        : new faceapi.TinyFaceDetectorOptions({
            inputSize: settings.tinyInputSize,
            scoreThreshold: settings.minDetectionScore,
          });
    const baseline = new Baseline(faceapi, options);
    // The same courtesy as the recognizer's warm-up: the first call pays for kernel setup.
    await baseline.analyze(
      await sharp({ create: { width: 256, height: 256, channels: 3, background: '#808080' } })
        .jpeg()
        .toBuffer(),
    );
    return baseline;
  }

  /** Live tfjs tensors in this thread. */
  get tensors(): number {
    return this.faceapi.tf.memory().numTensors;
  }

  async analyze(bytes: Uint8Array): Promise<BaselineFace[]> {
    const { data, info } = await sharp(bytes)
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    const tensor = this.faceapi.tf.tensor3d(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      [info.height, info.width, info.channels],
      'int32',
    );
    try {
      const results = await this.faceapi
        .detectAllFaces(tensor, this.options)
        .withFaceLandmarks()
        .withFaceDescriptors();
      return results.map(({ detection, descriptor }) => ({
        box: boxOf(detection.box),
        score: detection.score,
        descriptor: Float32Array.from(descriptor),
      }));
    } finally {
      tensor.dispose();
    }
  }

  /**
   * The seed's Identify: encode every known photo again (its first face), then the probe,
   * then compare. Returns the probe's faces with the nearest known person.
   */
  async seedIdentify(
    known: ReadonlyArray<{ personId: number; personName: string; bytes: Uint8Array }>,
    probe: Uint8Array,
    threshold: number,
  ): Promise<Array<{ personName: string | undefined; distance: number | undefined }>> {
    const entries: GalleryEntry[] = [];
    for (const photo of known) {
      const [face] = await this.analyze(photo.bytes);
      if (face) entries.push({ ...photo, descriptor: face.descriptor });
    }
    const gallery = new Gallery(entries, 'nearest');
    return (await this.analyze(probe)).map((face) => {
      const { nearest, match } = gallery.identify(face.descriptor, threshold);
      return { personName: match?.personName, distance: nearest?.distance };
    });
  }
}

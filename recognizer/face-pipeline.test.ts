/**
 * FacePipeline re-implements face-api's detect → landmarks → descriptor chain with fused
 * layers and its own crops; it must give face-api's answers. Runs the real models (wasm) on
 * fixture photos, in this thread.
 */
import path from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../test/support/fixtures.js';
import type { FaceApi } from './faceapi.js';
import { FacePipeline } from './face-pipeline.js';
import { ssdAnchors } from './fast-ssd.js';
import type { RawImage } from './inference-protocol.js';
import { loadFaceApi, loadNets } from './load-face-api.js';

async function rgb(file: string): Promise<RawImage> {
  const { data, info } = await sharp(path.join(FIXTURES, file))
    .rotate()
    .resize({ width: 1024, height: 1024, fit: 'inside', withoutEnlargement: true })
    .removeAlpha()
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

const distance = (a: Float32Array, b: Float32Array) =>
  Math.sqrt(a.reduce((sum, value, i) => sum + (value - (b[i] as number)) ** 2, 0));

describe('FacePipeline', () => {
  let faceapi: FaceApi;
  let pipeline: FacePipeline;
  let mirrored: FacePipeline;

  beforeAll(async () => {
    faceapi = await loadFaceApi('wasm');
    await loadNets(faceapi, FacePipeline.models('ssd'));
    const settings = { detector: 'ssd' as const, minDetectionScore: 0.5, tinyInputSize: 416 };
    pipeline = new FacePipeline(faceapi, settings);
    mirrored = new FacePipeline(faceapi, { ...settings, mirrorAverage: true });
  }, 60_000);

  afterAll(() => {
    pipeline?.dispose();
    mirrored?.dispose();
  });

  it.each([
    ['a group photo', 'faces/probes/obama_and_biden.jpg', 2],
    ['a portrait', 'seed/unknown_people/unknown.jpg', 1],
    ['an LFW photo', 'lfw/Alvaro_Uribe/1.jpg', 1],
    ['a photo without a face', 'negatives/dog.jpg', 0],
  ])(
    'gives face-api’s faces, scores and descriptors on %s',
    async (_what, file, count) => {
      const image = await rgb(file);
      const tensor = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      const expected = await faceapi
        .detectAllFaces(
          tensor,
          new faceapi.SsdMobilenetv1Options({ minConfidence: 0.5, maxResults: 100 }),
        )
        .withFaceLandmarks()
        .withFaceDescriptors();
      tensor.dispose();
      const tensorsBefore = faceapi.tf.memory().numTensors;
      const faces = await pipeline.detect(image);
      expect(faceapi.tf.memory().numTensors).toBe(tensorsBefore);
      expect(faces).toHaveLength(count);
      expect(expected).toHaveLength(count);
      faces.forEach((face, index) => {
        const reference = expected[index]!;
        expect(face.score).toBeCloseTo(reference.detection.score, 4);
        expect(face.box.x).toBeCloseTo(reference.detection.box.x, 2);
        expect(face.box.y).toBeCloseTo(reference.detection.box.y, 2);
        expect(face.box.width).toBeCloseTo(reference.detection.box.width, 2);
        expect(face.box.height).toBeCloseTo(reference.detection.box.height, 2);
        expect(distance(face.descriptor, reference.descriptor)).toBeLessThan(1e-4);
      });
      // Quality measures come with every face: plausible pose, positive sharpness.
      for (const face of faces) {
        expect(face.measures.sharpness).toBeGreaterThan(0.1);
        expect(Math.abs(face.measures.yaw)).toBeLessThan(60);
        expect(Math.abs(face.measures.roll)).toBeLessThan(30);
      }
      // Mirror averaging moves each descriptor a little, and only a little.
      const averaged = await mirrored.detect(image);
      expect(averaged).toHaveLength(count);
      averaged.forEach((face, index) => {
        const shift = distance(face.descriptor, faces[index]!.descriptor);
        expect(shift).toBeGreaterThan(0);
        expect(shift).toBeLessThan(0.3);
      });
    },
    60_000,
  );
});

describe('FastSsd at another input size', () => {
  it('places anchors that reproduce face-api’s stored ones at 512 px', async () => {
    const faceapi = await loadFaceApi('wasm');
    await loadNets(faceapi, ['ssdMobilenetv1']);
    const stored = faceapi.tf
      .reshape(faceapi.nets.ssdMobilenetv1.params!.output_layer.extra_dim, [-1, 4])
      .arraySync() as number[][];
    const layers = [
      [32, 3],
      [16, 6],
      [8, 6],
      [4, 6],
      [2, 6],
      [1, 6],
    ] as const;
    let first = 0;
    const sizes = layers.map(([grid, boxes]) => {
      const layer = stored
        .slice(first, first + boxes)
        .map(([y0, x0, y1, x1]) => [y1! - y0!, x1! - x0!] as [number, number]);
      first += grid * grid * boxes;
      return layer;
    });
    const generated = ssdAnchors(
      sizes,
      layers.map(([grid]) => grid),
      512,
    );
    expect(generated.length).toBe(stored.length * 4);
    let worst = 0;
    stored.flat().forEach((value, index) => {
      worst = Math.max(worst, Math.abs(value - generated[index]!));
    });
    expect(worst).toBeLessThan(1e-5);
    // At 256 px each anchor keeps its size in pixels: twice the relative size.
    const half = ssdAnchors(sizes, [16, 8, 4, 2, 1, 1], 256);
    expect(half[2]! - half[0]!).toBeCloseTo(2 * (stored[0]![2]! - stored[0]![0]!), 5);
    expect((half[0]! + half[2]!) / 2).toBeCloseTo(0.5 / 16, 6);
  });

  it('finds the same faces at 448 px as at 512 on a large photo', async () => {
    const faceapi = await loadFaceApi('wasm');
    await loadNets(faceapi, FacePipeline.models('ssd'));
    const pipeline = new FacePipeline(faceapi, {
      detector: 'ssd',
      minDetectionScore: 0.5,
      tinyInputSize: 416,
    });
    try {
      const image = await rgb('faces/probes/two_people.jpg');
      const full = await pipeline.detect(image, { ssdInputSize: 512 });
      const smaller = await pipeline.detect(image, { ssdInputSize: 448 });
      expect(smaller).toHaveLength(full.length);
      for (const reference of full) {
        // The same face: the box found at 448 nearest to the one found at 512.
        const face = smaller.reduce((best, other) =>
          Math.abs(other.box.x - reference.box.x) < Math.abs(best.box.x - reference.box.x)
            ? other
            : best,
        );
        expect(Math.abs(face.box.x - reference.box.x)).toBeLessThan(0.1 * reference.box.width);
        expect(distance(face.descriptor, reference.descriptor)).toBeLessThan(0.15);
      }
    } finally {
      pipeline.dispose();
    }
  }, 60_000);
});

describe('FacePipeline with the tiny detector', () => {
  it('gives face-api’s answers with TinyFaceDetector', async () => {
    const faceapi = await loadFaceApi('wasm');
    await loadNets(faceapi, FacePipeline.models('tiny'));
    const pipeline = new FacePipeline(faceapi, {
      detector: 'tiny',
      minDetectionScore: 0.5,
      tinyInputSize: 416,
    });
    try {
      const image = await rgb('faces/probes/two_people.jpg');
      const tensor = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
      const expected = await faceapi
        .detectAllFaces(
          tensor,
          new faceapi.TinyFaceDetectorOptions({ inputSize: 416, scoreThreshold: 0.5 }),
        )
        .withFaceLandmarks()
        .withFaceDescriptors();
      tensor.dispose();
      const faces = await pipeline.detect(image);
      expect(faces.length).toBeGreaterThan(0);
      expect(faces).toHaveLength(expected.length);
      faces.forEach((face, index) => {
        expect(face.score).toBeCloseTo(expected[index]!.detection.score, 5);
        expect(distance(face.descriptor, expected[index]!.descriptor)).toBeLessThan(1e-4);
      });
    } finally {
      pipeline.dispose();
    }
  }, 60_000);
});

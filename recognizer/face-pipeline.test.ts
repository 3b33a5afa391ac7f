/**
 * FacePipeline re-implements face-api's detect → landmarks → descriptor chain with fused
 * layers and its own crops; it must give face-api's answers. Runs the real models (wasm) on
 * fixture photos, in this thread.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import sharp from 'sharp';
import { FIXTURES } from '../test/support/fixtures.js';
import type { FaceApi } from './faceapi.js';
import { FacePipeline } from './face-pipeline.js';
import type { RawImage } from './inference-protocol.js';

const require = createRequire(import.meta.url);

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
    faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const models = path.join(
      path.dirname(require.resolve('@vladmandic/face-api/package.json')),
      'model',
    );
    await Promise.all(
      FacePipeline.models('ssd').map((net) => faceapi.nets[net].loadFromDisk(models)),
    );
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

describe('FacePipeline with the tiny detector', () => {
  it('gives face-api’s answers with TinyFaceDetector', async () => {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
    await faceapi.tf.setBackend('wasm');
    await faceapi.tf.ready();
    const models = path.join(
      path.dirname(require.resolve('@vladmandic/face-api/package.json')),
      'model',
    );
    await Promise.all(
      FacePipeline.models('tiny').map((net) => faceapi.nets[net].loadFromDisk(models)),
    );
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

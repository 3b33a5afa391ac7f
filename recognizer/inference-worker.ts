/**
 * One inference worker thread: loads its own tfjs backend and the face-api models, warms
 * them up, then answers `detect` messages one at a time. Started by inference-pool.ts.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import type {
  DetectedFace,
  FromWorker,
  RawImage,
  ToWorker,
  WorkerInit,
} from './inference-protocol.js';

const require = createRequire(import.meta.url);

/** The part of @vladmandic/face-api this worker uses (its bundled typings pull in DOM types). */
interface Tensor {
  dispose(): void;
}
interface FaceApi {
  tf: {
    setBackend(name: string): Promise<boolean>;
    ready(): Promise<void>;
    getBackend(): string;
    tensor3d(values: Uint8Array, shape: [number, number, number], dtype: 'int32'): Tensor;
    zeros(shape: number[], dtype?: 'int32' | 'float32'): Tensor;
    memory(): { numTensors: number };
  };
  nets: {
    ssdMobilenetv1: { loadFromDisk(dir: string): Promise<void> };
    faceLandmark68Net: {
      loadFromDisk(dir: string): Promise<void>;
      detectLandmarks(input: Tensor): Promise<unknown>;
    };
    faceRecognitionNet: {
      loadFromDisk(dir: string): Promise<void>;
      computeFaceDescriptor(input: Tensor): Promise<unknown>;
    };
  };
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults?: number }) => unknown;
  detectAllFaces(
    input: Tensor,
    options: unknown,
  ): {
    withFaceLandmarks(): {
      withFaceDescriptors(): Promise<
        Array<{
          detection: {
            score: number;
            box: { x: number; y: number; width: number; height: number };
          };
          descriptor: Float32Array;
        }>
      >;
    };
  };
}

function canResolve(specifier: string): boolean {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

/** tfjs-node when installed and loadable (unless told wasm), else the wasm backend. */
async function loadFaceApi(preference: WorkerInit['backend'], notes: string[]): Promise<FaceApi> {
  if (preference !== 'wasm') {
    if (canResolve('@tensorflow/tfjs-node')) {
      try {
        const faceapi = require('@vladmandic/face-api/dist/face-api.node.js') as FaceApi;
        await faceapi.tf.ready();
        return faceapi;
      } catch (error) {
        if (preference === 'tensorflow') throw error;
        notes.push(
          `@tensorflow/tfjs-node is installed but did not load (${(error as Error).message}); using wasm`,
        );
      }
    } else if (preference === 'tensorflow') {
      throw new Error('INFERENCE_BACKEND=tensorflow but @tensorflow/tfjs-node is not installed');
    }
  }
  // No setWasmPaths: in Node the backend finds its .wasm files beside itself, and a file path
  // given to setWasmPaths would be fetch()ed, which cannot load file paths.
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  return faceapi;
}

/** Runs each network once so that the first real request does not pay for kernel setup. */
async function warmUp(faceapi: FaceApi, options: unknown): Promise<void> {
  const image = faceapi.tf.zeros([256, 256, 3], 'int32');
  const landmarksInput = faceapi.tf.zeros([112, 112, 3], 'int32');
  const descriptorInput = faceapi.tf.zeros([150, 150, 3], 'int32');
  try {
    await faceapi.detectAllFaces(image, options).withFaceLandmarks().withFaceDescriptors();
    await faceapi.nets.faceLandmark68Net.detectLandmarks(landmarksInput);
    await faceapi.nets.faceRecognitionNet.computeFaceDescriptor(descriptorInput);
  } finally {
    image.dispose();
    landmarksInput.dispose();
    descriptorInput.dispose();
  }
}

async function detect(
  faceapi: FaceApi,
  options: unknown,
  image: RawImage,
): Promise<DetectedFace[]> {
  const expected = image.width * image.height * 3;
  if (image.data.byteLength !== expected) {
    throw new Error(`image data has ${image.data.byteLength} bytes, expected ${expected}`);
  }
  const tensor = faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  try {
    const results = await faceapi
      .detectAllFaces(tensor, options)
      .withFaceLandmarks()
      .withFaceDescriptors();
    return results.map(({ detection, descriptor }) => ({
      box: {
        x: detection.box.x,
        y: detection.box.y,
        width: detection.box.width,
        height: detection.box.height,
      },
      score: detection.score,
      descriptor: Float32Array.from(descriptor),
    }));
  } finally {
    tensor.dispose();
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('inference-worker.ts must run in a worker thread');
  const send = (message: FromWorker) => port.postMessage(message);
  const init = workerData as WorkerInit;
  const notes: string[] = [];
  let faceapi: FaceApi;
  let options: unknown;
  try {
    const started = performance.now();
    faceapi = await loadFaceApi(init.backend, notes);
    const modelDir = path.join(
      path.dirname(require.resolve('@vladmandic/face-api/package.json')),
      'model',
    );
    await Promise.all([
      faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir),
      faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir),
      faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir),
    ]);
    options = new faceapi.SsdMobilenetv1Options({
      minConfidence: init.minDetectionScore,
      maxResults: 100,
    });
    const loaded = performance.now();
    await warmUp(faceapi, options);
    const warmed = performance.now();
    const backend =
      faceapi.tf.getBackend() === 'tensorflow' ? 'tensorflow (tfjs-node)' : faceapi.tf.getBackend();
    send({
      type: 'ready',
      backend,
      loadMs: Math.round(loaded - started),
      warmupMs: Math.round(warmed - loaded),
      notes,
    });
  } catch (error) {
    send({
      type: 'fatal',
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
    process.exit(1);
  }

  // One job at a time: the pool sends the next only after an answer.
  port.on('message', (message: ToWorker) => {
    if (message.type !== 'detect') return;
    detect(faceapi, options, message.image).then(
      (faces) => send({ type: 'result', id: message.id, faces }),
      (error: unknown) =>
        send({
          type: 'error',
          id: message.id,
          message: error instanceof Error ? error.message : String(error),
        }),
    );
  });
}

await main();

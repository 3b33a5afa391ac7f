// A stand-in for inference-worker.ts in the pool's unit tests: same protocol, no models.
// Behaviour is chosen by the image width: 1 crashes the thread, 2 hangs, 3 throws, any other
// width answers one face whose score is the first pixel / 255. Live tensors are reported as 10,
// plus one more for every image 4 pixels wide (a leak). The descriptor's second value is 1
// when the job asked for mirror averaging.
import process from 'node:process';
import { setTimeout } from 'node:timers';
import { parentPort, workerData, threadId } from 'node:worker_threads';

if (workerData.backend === 'tensorflow') {
  parentPort.postMessage({ type: 'fatal', message: 'fake: no tfjs-node here' });
  process.exit(1);
}

setTimeout(() => {
  parentPort.postMessage({
    type: 'ready',
    backend: `fake-${threadId}`,
    loadMs: 1,
    warmupMs: 1,
    notes: [],
  });
}, 10);

let leaked = 0;

parentPort.on('message', (message) => {
  const { id, image, options } = message;
  const mirrorAverage = options?.mirrorAverage;
  if (image.width === 4) leaked += 1;
  if (image.width === 1) process.exit(3);
  if (image.width === 2) return;
  if (image.width === 3) {
    parentPort.postMessage({ type: 'error', id, message: 'fake failure' });
    return;
  }
  setTimeout(() => {
    parentPort.postMessage({
      type: 'result',
      id,
      faces: [
        {
          box: { x: 1, y: 2, width: image.width / 2, height: image.height / 2 },
          score: image.data[0] / 255,
          descriptor: Float32Array.from({ length: 128 }, (_, i) =>
            i === 1 ? Number(Boolean(mirrorAverage)) : threadId,
          ),
          measures: { sharpness: 0.8, yaw: 0, roll: 0 },
        },
      ],
      tensors: 10 + leaked,
    });
  }, 20);
});

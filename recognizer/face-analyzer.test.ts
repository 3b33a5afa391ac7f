import sharp from 'sharp';
import { FaceAnalyzer, scaleBox, type Detector } from './face-analyzer.js';
import type { DetectedFace, RawImage } from './inference-protocol.js';
import { waitFor } from '../test/support/wait-for.js';

/** Waits, with a deadline, until the controlled detector holds a call. */
const detectorCalled = (pending: unknown[]) =>
  waitFor('the detector to be called', () => pending.length > 0, {
    timeoutMs: 5_000,
    intervalMs: 5,
  });

describe('scaleBox', () => {
  it('maps a box from the shrunk image back to the original, rounded', () => {
    expect(
      scaleBox(
        { x: 10.4, y: 20, width: 30, height: 10.2 },
        { width: 100, height: 50 },
        { width: 400, height: 200 },
      ),
    ).toEqual({
      x: 42,
      y: 80,
      width: 120,
      height: 41,
    });
  });

  it('removes the border added around a small photo before scaling', () => {
    // A 150×150 photo enlarged to 300 and bordered by 150 px: the face at 200..400 of the
    // 600×600 canvas is 25..125 of the photo.
    expect(
      scaleBox(
        { x: 200, y: 150, width: 200, height: 300 },
        { x: 150, y: 150, width: 300, height: 300 },
        { width: 150, height: 150 },
      ),
    ).toEqual({ x: 25, y: 0, width: 100, height: 150 });
  });

  it('clips boxes that reach past the image edges', () => {
    expect(
      scaleBox(
        { x: -5, y: -5, width: 20, height: 200 },
        { width: 100, height: 100 },
        { width: 100, height: 100 },
      ),
    ).toEqual({
      x: 0,
      y: 0,
      width: 15,
      height: 100,
    });
  });
});

describe('FaceAnalyzer', () => {
  const photo = () =>
    sharp({ create: { width: 400, height: 200, channels: 3, background: '#888' } })
      .jpeg()
      .toBuffer();

  /** A detector that reports one face over the left half and lets the test decide when it answers. */
  function controlledDetector() {
    const pending: Array<() => void> = [];
    const seen: RawImage[] = [];
    const detector: Detector = {
      detect: (image) =>
        new Promise<DetectedFace[]>((resolve) => {
          seen.push(image);
          pending.push(() =>
            resolve([
              {
                box: { x: 0, y: 0, width: image.width / 2, height: image.height },
                score: 0.9,
                descriptor: new Float32Array(128),
                measures: { sharpness: 0.8, yaw: 3, roll: -2 },
              },
            ]),
          );
        }),
    };
    return { detector, pending, seen };
  }

  it('decodes, shrinks for the detector, and reports boxes in original pixels', async () => {
    const { detector, pending, seen } = controlledDetector();
    const analyzer = new FaceAnalyzer(detector, {
      maxPixels: 1_000_000,
      maxSide: 100,
      concurrency: 1,
      queueLimit: 1,
    });
    const result = analyzer.analyze(await photo());
    await detectorCalled(pending);
    pending.shift()!();
    expect(seen[0]).toMatchObject({ width: 100, height: 50 });
    await expect(result).resolves.toMatchObject({
      width: 400,
      height: 200,
      faces: [{ box: { x: 0, y: 0, width: 200, height: 200 }, score: 0.9 }],
    });
    expect(analyzer.count).toBe(1);
  });

  it('enlarges and borders a small photo, and drops a face that lies only in the border', async () => {
    const seen: RawImage[] = [];
    const mirrored: Array<boolean | undefined> = [];
    const ssdSizes: Array<number | undefined> = [];
    const detector: Detector = {
      detect: async (image, _signal, options) => {
        seen.push(image);
        mirrored.push(options?.mirrorAverage);
        ssdSizes.push(options?.ssdInputSize);
        return [
          // On the photo (the canvas centre) and entirely in the black border.
          {
            box: { x: 250, y: 250, width: 100, height: 100 },
            score: 0.9,
            descriptor: new Float32Array(128),
            measures: { sharpness: 0.8, yaw: 3, roll: -2 },
          },
          {
            box: { x: 10, y: 10, width: 50, height: 50 },
            score: 0.8,
            descriptor: new Float32Array(128),
            measures: { sharpness: 0.8, yaw: 3, roll: -2 },
          },
        ];
      },
    };
    const analyzer = new FaceAnalyzer(detector, {
      maxPixels: 1_000_000,
      maxSide: 1024,
      smallPhotoSide: 300,
      smallPhotoPadding: 0.5,
      mirrorAverage: 'small',
      ssdInputSize: 448,
      concurrency: 1,
      queueLimit: 1,
    });
    const small = await sharp({
      create: { width: 150, height: 150, channels: 3, background: '#888' },
    })
      .jpeg()
      .toBuffer();
    const result = await analyzer.analyze(small);
    expect(seen[0]).toMatchObject({ width: 600, height: 600 });
    expect(result).toEqual({
      width: 150,
      height: 150,
      faces: [
        {
          box: { x: 50, y: 50, width: 50, height: 50 },
          score: 0.9,
          descriptor: expect.any(Float32Array),
          // Size in the original photo's pixels; the rest measured by the worker.
          quality: { size: 50, sharpness: 0.8, yaw: 3, roll: -2 },
        },
      ],
    });
    // MIRROR_AVERAGE=small: only the enlarged small photo's faces are mirror-averaged.
    await analyzer.analyze(await photo());
    expect(mirrored).toEqual([true, false]);
    // Every photo, enlarged or not, is detected at SSD_INPUT_SIZE.
    expect(ssdSizes).toEqual([448, 448]);
  });

  it('keeps at most `concurrency` images in flight and refuses callers past the queue limit', async () => {
    const { detector, pending } = controlledDetector();
    const analyzer = new FaceAnalyzer(detector, {
      maxPixels: 1_000_000,
      maxSide: 100,
      concurrency: 1,
      queueLimit: 1,
    });
    const bytes = await photo();
    const first = analyzer.analyze(bytes);
    const second = analyzer.analyze(bytes);
    await expect(analyzer.analyze(bytes)).rejects.toMatchObject({ kind: 'busy', retryable: true });
    await detectorCalled(pending);
    expect(pending).toHaveLength(1);
    pending.shift()!();
    await first;
    await detectorCalled(pending);
    pending.shift()!();
    await expect(second).resolves.toMatchObject({ faces: [{}] });
  });

  it('lets a waiting caller give up', async () => {
    const { detector, pending } = controlledDetector();
    const analyzer = new FaceAnalyzer(detector, {
      maxPixels: 1_000_000,
      maxSide: 100,
      concurrency: 1,
      queueLimit: 5,
    });
    const bytes = await photo();
    const first = analyzer.analyze(bytes);
    const controller = new AbortController();
    const second = analyzer.analyze(bytes, controller.signal);
    controller.abort();
    await expect(second).rejects.toMatchObject({ kind: 'cancelled' });
    await detectorCalled(pending);
    pending.shift()!();
    await first;
    expect(analyzer.count).toBe(1);
  });
});

import sharp from 'sharp';
import { FaceAnalyzer, scaleBox, type Detector } from './face-analyzer.js';
import type { DetectedFace, RawImage } from './inference-protocol.js';

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
    while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    pending.shift()!();
    expect(seen[0]).toMatchObject({ width: 100, height: 50 });
    await expect(result).resolves.toMatchObject({
      width: 400,
      height: 200,
      faces: [{ box: { x: 0, y: 0, width: 200, height: 200 }, score: 0.9 }],
    });
    expect(analyzer.count).toBe(1);
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
    while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(pending).toHaveLength(1);
    pending.shift()!();
    await first;
    while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
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
    while (pending.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    pending.shift()!();
    await first;
    expect(analyzer.count).toBe(1);
  });
});

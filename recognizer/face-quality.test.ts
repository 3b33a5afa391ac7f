import sharp, { type Sharp } from 'sharp';
import { poseFromLandmarks, sharpness } from './face-quality.js';

/** A frontal face's 68 landmarks (iBUG layout), roughly: jaw, nose and eyes are what pose uses. */
function frontal(): Array<{ x: number; y: number }> {
  const points = Array.from({ length: 68 }, () => ({ x: 50, y: 50 }));
  for (let i = 0; i <= 16; i++) points[i] = { x: 10 + i * 5, y: 60 };
  points[30] = { x: 50, y: 55 };
  for (let i = 36; i < 42; i++) points[i] = { x: 35, y: 40 };
  for (let i = 42; i < 48; i++) points[i] = { x: 65, y: 40 };
  return points;
}

const rotate = (points: Array<{ x: number; y: number }>, degrees: number) => {
  const a = (degrees * Math.PI) / 180;
  return points.map(({ x, y }) => ({
    x: 50 + (x - 50) * Math.cos(a) - (y - 50) * Math.sin(a),
    y: 50 + (x - 50) * Math.sin(a) + (y - 50) * Math.cos(a),
  }));
};

async function rgb(image: Sharp): Promise<{ data: Uint8Array; width: number; height: number }> {
  const { data, info } = await image.removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

describe('face quality', () => {
  it('reads a frontal, level face as yaw 0 and roll 0', () => {
    const pose = poseFromLandmarks(frontal());
    expect(pose.yaw).toBeCloseTo(0, 6);
    expect(pose.roll).toBeCloseTo(0, 6);
  });

  it('reads the tilt of the eye line as roll, unaffected by yaw', () => {
    const pose = poseFromLandmarks(rotate(frontal(), 20));
    expect(pose.roll).toBeCloseTo(20, 6);
    expect(pose.yaw).toBeCloseTo(0, 6);
  });

  it('reads a nose off-centre between the jaw ends as a turn of the head, growing with it', () => {
    const slightly = frontal();
    slightly[30] = { x: 60, y: 55 };
    const far = frontal();
    far[30] = { x: 85, y: 55 };
    const a = poseFromLandmarks(slightly).yaw;
    const b = poseFromLandmarks(far).yaw;
    expect(a).toBeGreaterThan(10);
    expect(b).toBeGreaterThan(a);
    expect(b).toBeLessThanOrEqual(90);
    const other = frontal();
    other[30] = { x: 40, y: 55 };
    expect(poseFromLandmarks(other).yaw).toBeCloseTo(-a, 6);
  });

  it('scores a blurred copy of a detailed image much lower, whatever its contrast', async () => {
    const noise = Buffer.from(Array.from({ length: 128 * 128 * 3 }, (_, i) => (i * 7919) % 251));
    const base = sharp(noise, { raw: { width: 128, height: 128, channels: 3 } });
    const sharpImage = await rgb(base.clone());
    const blurred = await rgb(base.clone().blur(4));
    const faint = await rgb(base.clone().linear(0.3, 90));
    const s = sharpness(sharpImage.data, sharpImage.width, sharpImage.height);
    expect(sharpness(blurred.data, blurred.width, blurred.height)).toBeLessThan(s / 3);
    // Contrast-normalised: a faint copy of the same detail scores about the same.
    expect(sharpness(faint.data, faint.width, faint.height)).toBeCloseTo(s, 1);
  });

  it('scores a flat crop 0', () => {
    expect(sharpness(new Uint8Array(30 * 30 * 3).fill(120), 30, 30)).toBe(0);
  });
});

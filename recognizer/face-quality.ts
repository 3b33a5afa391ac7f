/**
 * How good a detected face is for identification: its pose (from face-api's 68 landmarks) and
 * its sharpness (from the pixels of the aligned face). Pure functions on plain arrays, run in
 * the inference worker beside the networks; the face's size is added by the analyzer, which
 * knows the original photo's pixels.
 */

export interface Point {
  x: number;
  y: number;
}

export interface Pose {
  /** Left-right turn of the head in degrees (0 = facing the camera; sign: towards image right). */
  yaw: number;
  /** Tilt of the eye line in degrees (0 = level). */
  roll: number;
}

/** Side of the square the aligned face is resampled to before measuring sharpness. */
export const SHARPNESS_SIDE = 64;

const mean = (points: readonly Point[]): Point => ({
  x: points.reduce((sum, point) => sum + point.x, 0) / points.length,
  y: points.reduce((sum, point) => sum + point.y, 0) / points.length,
});

const degrees = (radians: number) => (radians * 180) / Math.PI;

/**
 * Yaw and roll from the 68 landmarks (iBUG numbering: 0–16 jaw, 30 nose tip, 36–41 and 42–47
 * the eyes). Roll is the angle of the line through the eye centres. Yaw compares the nose
 * tip's distance to either end of the jaw, measured along the eye line: equal on a frontal
 * face, all on one side in profile; asin of the normalised difference gives an angle that is
 * close to the true yaw up to ~60°. Rough, but monotonic, which is what a limit needs.
 */
export function poseFromLandmarks(points: readonly Point[]): Pose {
  if (points.length !== 68) throw new Error(`expected 68 landmarks, got ${points.length}`);
  const leftEye = mean(points.slice(36, 42));
  const rightEye = mean(points.slice(42, 48));
  const angle = Math.atan2(rightEye.y - leftEye.y, rightEye.x - leftEye.x);
  const along = (point: Point) => point.x * Math.cos(angle) + point.y * Math.sin(angle);
  const nose = along(points[30]!);
  const left = Math.abs(nose - along(points[0]!));
  const right = Math.abs(along(points[16]!) - nose);
  const ratio = left + right > 0 ? (left - right) / (left + right) : 0;
  return {
    yaw: degrees(Math.asin(Math.max(-1, Math.min(1, ratio)))),
    roll: degrees(angle),
  };
}

/**
 * Sharpness of a face crop (RGB bytes, row-major): the crop is resampled to 64×64 grey
 * (bilinear), and the standard deviation of its Laplacian is divided by the standard
 * deviation of the grey levels, so that contrast and lighting cancel out. A sharp face at any
 * size scores ~0.5–1.5; an out-of-focus one, or a face of a few dozen pixels blown up to 64,
 * scores lower (docs/performance.md has the distribution on the fixtures).
 */
export function sharpness(rgb: Uint8Array, width: number, height: number): number {
  if (width < 2 || height < 2 || rgb.length < width * height * 3) return 0;
  const side = SHARPNESS_SIDE;
  const grey = new Float64Array(side * side);
  const luma = (x: number, y: number) => {
    const offset = (y * width + x) * 3;
    return 0.299 * rgb[offset]! + 0.587 * rgb[offset + 1]! + 0.114 * rgb[offset + 2]!;
  };
  for (let row = 0; row < side; row++) {
    const sy = Math.min(height - 1, Math.max(0, ((row + 0.5) * height) / side - 0.5));
    const y0 = Math.floor(sy);
    const y1 = Math.min(height - 1, y0 + 1);
    const fy = sy - y0;
    for (let column = 0; column < side; column++) {
      const sx = Math.min(width - 1, Math.max(0, ((column + 0.5) * width) / side - 0.5));
      const x0 = Math.floor(sx);
      const x1 = Math.min(width - 1, x0 + 1);
      const fx = sx - x0;
      const top = luma(x0, y0) * (1 - fx) + luma(x1, y0) * fx;
      const bottom = luma(x0, y1) * (1 - fx) + luma(x1, y1) * fx;
      grey[row * side + column] = top * (1 - fy) + bottom * fy;
    }
  }
  let sum = 0;
  let squares = 0;
  for (const value of grey) {
    sum += value;
    squares += value * value;
  }
  const count = grey.length;
  const greyDeviation = Math.sqrt(Math.max(0, squares / count - (sum / count) ** 2));
  let lapSum = 0;
  let lapSquares = 0;
  let lapCount = 0;
  for (let row = 1; row < side - 1; row++) {
    for (let column = 1; column < side - 1; column++) {
      const at = row * side + column;
      const laplacian =
        4 * grey[at]! - grey[at - 1]! - grey[at + 1]! - grey[at - side]! - grey[at + side]!;
      lapSum += laplacian;
      lapSquares += laplacian * laplacian;
      lapCount += 1;
    }
  }
  const lapDeviation = Math.sqrt(Math.max(0, lapSquares / lapCount - (lapSum / lapCount) ** 2));
  return greyDeviation < 1 ? 0 : lapDeviation / greyDeviation;
}

import { MatchPolicy } from './match-policy.js';

const policy = new MatchPolicy({
  matchThreshold: 0.44,
  matchThresholdLarge: 0.58,
  smallFaceSize: 80,
  largeFaceSize: 112,
  minFaceSize: 20,
  minFaceSharpness: 0.15,
});
const ada = (distance: number, enrolledFaceSize = 300) => ({
  personId: 1,
  personName: 'Ada',
  distance,
  enrolledFaceSize,
});

describe('MatchPolicy', () => {
  it('holds small faces to MATCH_THRESHOLD, large ones to MATCH_THRESHOLD_LARGE, linear between', () => {
    expect(policy.thresholdFor(30)).toBe(0.44);
    expect(policy.thresholdFor(80)).toBe(0.44);
    expect(policy.thresholdFor(96)).toBeCloseTo(0.51, 10);
    expect(policy.thresholdFor(112)).toBe(0.58);
    expect(policy.thresholdFor(700)).toBe(0.58);
  });

  it('matches strictly below the face’s threshold', () => {
    expect(policy.decide({ size: 300, sharpness: 1 }, ada(0.57)).match).toEqual(ada(0.57));
    expect(policy.decide({ size: 300, sharpness: 1 }, ada(0.58)).match).toBeUndefined();
    expect(policy.decide({ size: 60, sharpness: 1 }, ada(0.57)).match).toBeUndefined();
    expect(policy.decide({ size: 60, sharpness: 1 }, ada(0.43)).match).toEqual(ada(0.43));
    expect(policy.decide({ size: 60, sharpness: 1 }, undefined)).toEqual({
      match: undefined,
      threshold: 0.44,
      unidentifiable: undefined,
    });
  });

  it('compares at the smaller of the face and the person’s enrolled faces', () => {
    // A sharp face at the door against someone enrolled from small photos: the strict threshold.
    expect(policy.decide({ size: 300, sharpness: 1 }, ada(0.5, 60))).toMatchObject({
      match: undefined,
      threshold: 0.44,
    });
    expect(policy.decide({ size: 300, sharpness: 1 }, ada(0.5, 300)).match).toEqual(ada(0.5, 300));
    // Enrolled before sizes were recorded: counted as small.
    const legacy = { personId: 1, personName: 'Ada', distance: 0.5 };
    expect(policy.decide({ size: 300, sharpness: 1 }, legacy)).toMatchObject({
      match: undefined,
      threshold: 0.44,
    });
  });

  it('gives no identity to faces too small or too blurred, however close', () => {
    expect(policy.decide({ size: 19, sharpness: 1 }, ada(0.1))).toMatchObject({
      match: undefined,
      unidentifiable: 'TOO_SMALL',
    });
    expect(policy.decide({ size: 300, sharpness: 0.1 }, ada(0.1))).toMatchObject({
      match: undefined,
      unidentifiable: 'TOO_BLURRED',
    });
    expect(policy.decide({ size: 20, sharpness: 0.15 }, ada(0.1)).match).toEqual(ada(0.1));
  });

  it('names its numbers in its version, so a stored decision says what made it', () => {
    expect(policy.version).toBe('size-threshold 0.44@80px-0.58@112px; min 20px, sharpness 0.15');
    expect(new MatchPolicy({ ...policy.settings, matchThresholdLarge: 0.6 }).version).not.toBe(
      policy.version,
    );
  });

  it('refuses a large-face size below the small-face size', () => {
    expect(() => new MatchPolicy({ ...policy.settings, largeFaceSize: 60 })).toThrow(
      /LARGE_FACE_SIZE/,
    );
  });
});

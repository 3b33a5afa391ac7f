import type { FaceQuality } from '../lib/recognizer/protocol.js';
import type { Neighbour } from './gallery.js';

/**
 * Why a face was not compared with the gallery: too small or too blurred for its descriptor to
 * say who it is. Stored with the face and shown instead of a silent "unknown".
 */
export const UNIDENTIFIABLE_REASONS = ['TOO_SMALL', 'TOO_BLURRED'] as const;
export type UnidentifiableReason = (typeof UNIDENTIFIABLE_REASONS)[number];

export interface MatchPolicySettings {
  /** Threshold for faces up to `smallFaceSize` px (MATCH_THRESHOLD). */
  matchThreshold: number;
  /** Threshold for faces from `largeFaceSize` px (MATCH_THRESHOLD_LARGE). */
  matchThresholdLarge: number;
  /** Faces this size or smaller get `matchThreshold` (SMALL_FACE_SIZE). */
  smallFaceSize: number;
  /** Faces this size or larger get `matchThresholdLarge`; linear in between (LARGE_FACE_SIZE). */
  largeFaceSize: number;
  /** Faces smaller than this are not identified: TOO_SMALL (MIN_FACE_SIZE). */
  minFaceSize: number;
  /** Faces less sharp than this are not identified: TOO_BLURRED (MIN_FACE_SHARPNESS). */
  minFaceSharpness: number;
}

export interface MatchDecision {
  /** The nearest person, when the face is identifiable and within its threshold. */
  match: Neighbour | undefined;
  /** The threshold this face was held to (depends on its size). */
  threshold: number;
  unidentifiable: UnidentifiableReason | undefined;
}

/**
 * The match rule, one place for Identify and Rescore: a face's distance to the nearest person
 * must be strictly below a threshold that grows with the face's size. A small face (a 150 px
 * LFW crop, a face across the hall) gives a blurry descriptor on which different people look
 * alike, so it must be close; a large, sharp face (a photo at the door) varies more with pose
 * and light but different people stay far apart. Measured on LFW and on the pairs set
 * (docs/performance.md). Faces too small or too blurred get no identity at all, with a reason.
 */
export class MatchPolicy {
  constructor(readonly settings: MatchPolicySettings) {
    if (settings.largeFaceSize < settings.smallFaceSize)
      throw new Error('LARGE_FACE_SIZE must not be smaller than SMALL_FACE_SIZE');
  }

  /** The distance a face of this size must stay under. */
  thresholdFor(size: number): number {
    const { matchThreshold, matchThresholdLarge, smallFaceSize, largeFaceSize } = this.settings;
    if (size >= largeFaceSize) return matchThresholdLarge;
    if (size <= smallFaceSize) return matchThreshold;
    const t = (size - smallFaceSize) / (largeFaceSize - smallFaceSize);
    return matchThreshold + t * (matchThresholdLarge - matchThreshold);
  }

  unidentifiable(
    quality: Pick<FaceQuality, 'size' | 'sharpness'>,
  ): UnidentifiableReason | undefined {
    if (quality.size < this.settings.minFaceSize) return 'TOO_SMALL';
    if (quality.sharpness < this.settings.minFaceSharpness) return 'TOO_BLURRED';
    return undefined;
  }

  /**
   * A face and the nearest person are compared at the size of the smaller face: a person
   * enrolled from small faces (blurry descriptors, near everyone) keeps the small-face
   * threshold even against a sharp face at the door. A person whose enrolled size is unknown
   * (enrolled before it was recorded) counts as small: the strict threshold.
   */
  decide(
    quality: Pick<FaceQuality, 'size' | 'sharpness'>,
    nearest: Neighbour | undefined,
  ): MatchDecision {
    const threshold = this.thresholdFor(
      nearest ? Math.min(quality.size, nearest.enrolledFaceSize ?? 0) : quality.size,
    );
    const unidentifiable = this.unidentifiable(quality);
    const match = !unidentifiable && nearest && nearest.distance < threshold ? nearest : undefined;
    return { match, threshold, unidentifiable };
  }

  /** Names the rule and its numbers; stored with every decision so a replay knows what made it. */
  get version(): string {
    const s = this.settings;
    return `size-threshold ${s.matchThreshold}@${s.smallFaceSize}px-${s.matchThresholdLarge}@${s.largeFaceSize}px; min ${s.minFaceSize}px, sharpness ${s.minFaceSharpness}`;
  }
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { Box as _facetrail_recognizer_v1_Box, Box__Output as _facetrail_recognizer_v1_Box__Output } from '../../../facetrail/recognizer/v1/Box.js';
import type { Match as _facetrail_recognizer_v1_Match, Match__Output as _facetrail_recognizer_v1_Match__Output } from '../../../facetrail/recognizer/v1/Match.js';
import type { FaceQuality as _facetrail_recognizer_v1_FaceQuality, FaceQuality__Output as _facetrail_recognizer_v1_FaceQuality__Output } from '../../../facetrail/recognizer/v1/FaceQuality.js';

export interface Face {
  'box'?: (_facetrail_recognizer_v1_Box | null);
  /**
   * Detection confidence, 0..1.
   */
  'score'?: (number | string);
  /**
   * Set only when the face is identifiable and the nearest person is within its threshold.
   */
  'match'?: (_facetrail_recognizer_v1_Match | null);
  /**
   * The nearest known person even when too far to count as a match (for diagnostics).
   */
  'nearest'?: (_facetrail_recognizer_v1_Match | null);
  'quality'?: (_facetrail_recognizer_v1_FaceQuality | null);
  /**
   * Empty when identifiable; else why no identity was given: TOO_SMALL or TOO_BLURRED.
   */
  'unidentifiable'?: (string);
  /**
   * The distance this face had to stay under (it depends on the face's size).
   */
  'threshold'?: (number | string);
  /**
   * 128 little-endian float32 values: stored so the decision can be replayed (Rescore).
   */
  'descriptor'?: (Buffer | Uint8Array | string);
}

export interface Face__Output {
  'box': (_facetrail_recognizer_v1_Box__Output | null);
  /**
   * Detection confidence, 0..1.
   */
  'score': (number);
  /**
   * Set only when the face is identifiable and the nearest person is within its threshold.
   */
  'match': (_facetrail_recognizer_v1_Match__Output | null);
  /**
   * The nearest known person even when too far to count as a match (for diagnostics).
   */
  'nearest': (_facetrail_recognizer_v1_Match__Output | null);
  'quality': (_facetrail_recognizer_v1_FaceQuality__Output | null);
  /**
   * Empty when identifiable; else why no identity was given: TOO_SMALL or TOO_BLURRED.
   */
  'unidentifiable': (string);
  /**
   * The distance this face had to stay under (it depends on the face's size).
   */
  'threshold': (number);
  /**
   * 128 little-endian float32 values: stored so the decision can be replayed (Rescore).
   */
  'descriptor': (Buffer);
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { Box as _facetrail_recognizer_v1_Box, Box__Output as _facetrail_recognizer_v1_Box__Output } from '../../../facetrail/recognizer/v1/Box.js';
import type { FaceQuality as _facetrail_recognizer_v1_FaceQuality, FaceQuality__Output as _facetrail_recognizer_v1_FaceQuality__Output } from '../../../facetrail/recognizer/v1/FaceQuality.js';
import type { Long } from '@grpc/proto-loader';

export interface EnrollResponse {
  'personImageId'?: (number | string | Long);
  /**
   * True when a photo with the same content was already enrolled: nothing new was stored.
   */
  'alreadyEnrolled'?: (boolean);
  'box'?: (_facetrail_recognizer_v1_Box | null);
  'score'?: (number | string);
  'quality'?: (_facetrail_recognizer_v1_FaceQuality | null);
}

export interface EnrollResponse__Output {
  'personImageId': (number);
  /**
   * True when a photo with the same content was already enrolled: nothing new was stored.
   */
  'alreadyEnrolled': (boolean);
  'box': (_facetrail_recognizer_v1_Box__Output | null);
  'score': (number);
  'quality': (_facetrail_recognizer_v1_FaceQuality__Output | null);
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { FaceQuality as _facetrail_recognizer_v1_FaceQuality, FaceQuality__Output as _facetrail_recognizer_v1_FaceQuality__Output } from '../../../facetrail/recognizer/v1/FaceQuality.js';
import type { Long } from '@grpc/proto-loader';

export interface RescoreFace {
  /**
   * The caller's id for the face (faces.id), echoed in the decision.
   */
  'id'?: (number | string | Long);
  'descriptor'?: (Buffer | Uint8Array | string);
  'quality'?: (_facetrail_recognizer_v1_FaceQuality | null);
  /**
   * The version that made the descriptor; faces of another version are skipped.
   */
  'descriptorVersion'?: (string);
}

export interface RescoreFace__Output {
  /**
   * The caller's id for the face (faces.id), echoed in the decision.
   */
  'id': (number);
  'descriptor': (Buffer);
  'quality': (_facetrail_recognizer_v1_FaceQuality__Output | null);
  /**
   * The version that made the descriptor; faces of another version are skipped.
   */
  'descriptorVersion': (string);
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { Match as _facetrail_recognizer_v1_Match, Match__Output as _facetrail_recognizer_v1_Match__Output } from '../../../facetrail/recognizer/v1/Match.js';
import type { Long } from '@grpc/proto-loader';

export interface RescoreDecision {
  'id'?: (number | string | Long);
  /**
   * True when the face's descriptor_version is not this replica's: not comparable, unchanged.
   */
  'skipped'?: (boolean);
  'match'?: (_facetrail_recognizer_v1_Match | null);
  'nearest'?: (_facetrail_recognizer_v1_Match | null);
  'unidentifiable'?: (string);
  'threshold'?: (number | string);
}

export interface RescoreDecision__Output {
  'id': (number);
  /**
   * True when the face's descriptor_version is not this replica's: not comparable, unchanged.
   */
  'skipped': (boolean);
  'match': (_facetrail_recognizer_v1_Match__Output | null);
  'nearest': (_facetrail_recognizer_v1_Match__Output | null);
  'unidentifiable': (string);
  'threshold': (number);
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { RescoreFace as _facetrail_recognizer_v1_RescoreFace, RescoreFace__Output as _facetrail_recognizer_v1_RescoreFace__Output } from '../../../facetrail/recognizer/v1/RescoreFace.js';

export interface RescoreRequest {
  'faces'?: (_facetrail_recognizer_v1_RescoreFace)[];
}

export interface RescoreRequest__Output {
  'faces': (_facetrail_recognizer_v1_RescoreFace__Output)[];
}

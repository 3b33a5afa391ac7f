// Original file: proto/recognizer/v1/recognizer.proto

import type { ImageSource as _facetrail_recognizer_v1_ImageSource, ImageSource__Output as _facetrail_recognizer_v1_ImageSource__Output } from '../../../facetrail/recognizer/v1/ImageSource.js';

export interface IdentifyRequest {
  'image'?: (_facetrail_recognizer_v1_ImageSource | null);
}

export interface IdentifyRequest__Output {
  'image': (_facetrail_recognizer_v1_ImageSource__Output | null);
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { ImageSource as _facetrail_recognizer_v1_ImageSource, ImageSource__Output as _facetrail_recognizer_v1_ImageSource__Output } from '../../../facetrail/recognizer/v1/ImageSource.js';
import type { Long } from '@grpc/proto-loader';

export interface EnrollRequest {
  'personId'?: (number | string | Long);
  'image'?: (_facetrail_recognizer_v1_ImageSource | null);
  /**
   * Name recorded for the photo (the seed's image_name), e.g. "hannibal_1.jpg".
   */
  'imageName'?: (string);
}

export interface EnrollRequest__Output {
  'personId': (number);
  'image': (_facetrail_recognizer_v1_ImageSource__Output | null);
  /**
   * Name recorded for the photo (the seed's image_name), e.g. "hannibal_1.jpg".
   */
  'imageName': (string);
}

// Original file: proto/recognizer/v1/recognizer.proto

import type { Face as _facetrail_recognizer_v1_Face, Face__Output as _facetrail_recognizer_v1_Face__Output } from '../../../facetrail/recognizer/v1/Face.js';

export interface IdentifyResponse {
  'faces'?: (_facetrail_recognizer_v1_Face)[];
  'imageWidth'?: (number);
  'imageHeight'?: (number);
  /**
   * What made the descriptors (models and the settings that change them) and the decisions.
   */
  'descriptorVersion'?: (string);
  'matchVersion'?: (string);
}

export interface IdentifyResponse__Output {
  'faces': (_facetrail_recognizer_v1_Face__Output)[];
  'imageWidth': (number);
  'imageHeight': (number);
  /**
   * What made the descriptors (models and the settings that change them) and the decisions.
   */
  'descriptorVersion': (string);
  'matchVersion': (string);
}

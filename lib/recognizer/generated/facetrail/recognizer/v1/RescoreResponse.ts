// Original file: proto/recognizer/v1/recognizer.proto

import type { RescoreDecision as _facetrail_recognizer_v1_RescoreDecision, RescoreDecision__Output as _facetrail_recognizer_v1_RescoreDecision__Output } from '../../../facetrail/recognizer/v1/RescoreDecision.js';

export interface RescoreResponse {
  'decisions'?: (_facetrail_recognizer_v1_RescoreDecision)[];
  'descriptorVersion'?: (string);
  'matchVersion'?: (string);
}

export interface RescoreResponse__Output {
  'decisions': (_facetrail_recognizer_v1_RescoreDecision__Output)[];
  'descriptorVersion': (string);
  'matchVersion': (string);
}

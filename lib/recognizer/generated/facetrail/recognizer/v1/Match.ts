// Original file: proto/recognizer/v1/recognizer.proto

import type { Long } from '@grpc/proto-loader';

export interface Match {
  'personId'?: (number | string | Long);
  'personName'?: (string);
  /**
   * Euclidean distance between descriptors; smaller is closer.
   */
  'distance'?: (number | string);
}

export interface Match__Output {
  'personId': (number);
  'personName': (string);
  /**
   * Euclidean distance between descriptors; smaller is closer.
   */
  'distance': (number);
}

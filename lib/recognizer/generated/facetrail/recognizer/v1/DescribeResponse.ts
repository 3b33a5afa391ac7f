// Original file: proto/recognizer/v1/recognizer.proto

import type { FolderEnrollment as _facetrail_recognizer_v1_FolderEnrollment, FolderEnrollment__Output as _facetrail_recognizer_v1_FolderEnrollment__Output } from '../../../facetrail/recognizer/v1/FolderEnrollment.js';
import type { Long } from '@grpc/proto-loader';

export interface DescribeResponse {
  'backend'?: (string);
  'detector'?: (string);
  'matchThreshold'?: (number | string);
  'workers'?: (number);
  'galleryDescriptors'?: (number);
  'galleryPeople'?: (number);
  /**
   * Detection jobs (decode + detector + descriptor) this replica ran since it started.
   */
  'inferences'?: (number | string | Long);
  /**
   * What the enrollment of KNOWN_PEOPLE_DIR did at start; all zero when there is none.
   */
  'folderEnrollment'?: (_facetrail_recognizer_v1_FolderEnrollment | null);
  /**
   * Detections scoring below this are not reported as faces.
   */
  'minDetectionScore'?: (number | string);
  /**
   * False while the models load and warm up or the folder is being enrolled (health NOT_SERVING).
   */
  'ready'?: (boolean);
  'descriptorVersion'?: (string);
  'matchVersion'?: (string);
}

export interface DescribeResponse__Output {
  'backend': (string);
  'detector': (string);
  'matchThreshold': (number);
  'workers': (number);
  'galleryDescriptors': (number);
  'galleryPeople': (number);
  /**
   * Detection jobs (decode + detector + descriptor) this replica ran since it started.
   */
  'inferences': (number);
  /**
   * What the enrollment of KNOWN_PEOPLE_DIR did at start; all zero when there is none.
   */
  'folderEnrollment': (_facetrail_recognizer_v1_FolderEnrollment__Output | null);
  /**
   * Detections scoring below this are not reported as faces.
   */
  'minDetectionScore': (number);
  /**
   * False while the models load and warm up or the folder is being enrolled (health NOT_SERVING).
   */
  'ready': (boolean);
  'descriptorVersion': (string);
  'matchVersion': (string);
}

// Original file: proto/recognizer/v1/recognizer.proto


export interface FolderEnrollment {
  /**
   * Photos found in the folder (both layouts).
   */
  'photos'?: (number);
  /**
   * Newly stored descriptors.
   */
  'enrolled'?: (number);
  /**
   * Photos whose content hash was already stored: skipped without running inference.
   */
  'alreadyEnrolled'?: (number);
  /**
   * Photos refused with a logged reason: no face, several faces, undecodable, too large.
   */
  'refused'?: (number);
  /**
   * Photos that failed for another reason (e.g. an inference worker crashed twice).
   */
  'failed'?: (number);
  /**
   * Photos of people an admin forgot (a tombstone): skipped, never enrolled again.
   */
  'forgotten'?: (number);
}

export interface FolderEnrollment__Output {
  /**
   * Photos found in the folder (both layouts).
   */
  'photos': (number);
  /**
   * Newly stored descriptors.
   */
  'enrolled': (number);
  /**
   * Photos whose content hash was already stored: skipped without running inference.
   */
  'alreadyEnrolled': (number);
  /**
   * Photos refused with a logged reason: no face, several faces, undecodable, too large.
   */
  'refused': (number);
  /**
   * Photos that failed for another reason (e.g. an inference worker crashed twice).
   */
  'failed': (number);
  /**
   * Photos of people an admin forgot (a tombstone): skipped, never enrolled again.
   */
  'forgotten': (number);
}

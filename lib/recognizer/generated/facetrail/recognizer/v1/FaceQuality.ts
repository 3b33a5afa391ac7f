// Original file: proto/recognizer/v1/recognizer.proto


/**
 * How good a face is for identification.
 */
export interface FaceQuality {
  /**
   * The shorter side of the face's box, in pixels of the original photo.
   */
  'size'?: (number);
  /**
   * Contrast-normalised sharpness of the aligned face; higher is sharper (blurred: under ~0.3).
   */
  'sharpness'?: (number | string);
  /**
   * Head turn left/right and eye-line tilt, in degrees (0: frontal, level).
   */
  'yaw'?: (number | string);
  'roll'?: (number | string);
}

/**
 * How good a face is for identification.
 */
export interface FaceQuality__Output {
  /**
   * The shorter side of the face's box, in pixels of the original photo.
   */
  'size': (number);
  /**
   * Contrast-normalised sharpness of the aligned face; higher is sharper (blurred: under ~0.3).
   */
  'sharpness': (number);
  /**
   * Head turn left/right and eye-line tilt, in degrees (0: frontal, level).
   */
  'yaw': (number);
  'roll': (number);
}

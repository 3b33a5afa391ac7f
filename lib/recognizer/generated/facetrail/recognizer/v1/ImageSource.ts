// Original file: proto/recognizer/v1/recognizer.proto


export interface ImageSource {
  /**
   * A path relative to IMAGES_ROOT (or absolute inside it).
   */
  'path'?: (string);
  /**
   * The encoded image itself (JPEG, PNG or WebP).
   */
  'content'?: (Buffer | Uint8Array | string);
  'source'?: "path"|"content";
}

export interface ImageSource__Output {
  /**
   * A path relative to IMAGES_ROOT (or absolute inside it).
   */
  'path'?: (string);
  /**
   * The encoded image itself (JPEG, PNG or WebP).
   */
  'content'?: (Buffer);
  'source'?: "path"|"content";
}

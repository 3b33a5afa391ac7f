// Original file: proto/recognizer/v1/recognizer.proto


export interface RefreshGalleryResponse {
  'descriptors'?: (number);
  'people'?: (number);
}

export interface RefreshGalleryResponse__Output {
  'descriptors': (number);
  'people': (number);
}

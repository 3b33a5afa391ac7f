// Original file: proto/recognizer/v1/recognizer.proto


export interface Box {
  'x'?: (number);
  'y'?: (number);
  'width'?: (number);
  'height'?: (number);
}

export interface Box__Output {
  'x': (number);
  'y': (number);
  'width': (number);
  'height': (number);
}

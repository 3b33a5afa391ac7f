// Original file: proto/recognizer/v1/recognizer.proto


export interface RefreshGalleryRequest {
}

export interface RefreshGalleryRequest__Output {
}

import type * as grpc from '@grpc/grpc-js';
import type { MessageTypeDefinition } from '@grpc/proto-loader';

import type { Box as _facetrail_recognizer_v1_Box, Box__Output as _facetrail_recognizer_v1_Box__Output } from './facetrail/recognizer/v1/Box.js';
import type { DescribeRequest as _facetrail_recognizer_v1_DescribeRequest, DescribeRequest__Output as _facetrail_recognizer_v1_DescribeRequest__Output } from './facetrail/recognizer/v1/DescribeRequest.js';
import type { DescribeResponse as _facetrail_recognizer_v1_DescribeResponse, DescribeResponse__Output as _facetrail_recognizer_v1_DescribeResponse__Output } from './facetrail/recognizer/v1/DescribeResponse.js';
import type { EnrollRequest as _facetrail_recognizer_v1_EnrollRequest, EnrollRequest__Output as _facetrail_recognizer_v1_EnrollRequest__Output } from './facetrail/recognizer/v1/EnrollRequest.js';
import type { EnrollResponse as _facetrail_recognizer_v1_EnrollResponse, EnrollResponse__Output as _facetrail_recognizer_v1_EnrollResponse__Output } from './facetrail/recognizer/v1/EnrollResponse.js';
import type { Face as _facetrail_recognizer_v1_Face, Face__Output as _facetrail_recognizer_v1_Face__Output } from './facetrail/recognizer/v1/Face.js';
import type { FaceQuality as _facetrail_recognizer_v1_FaceQuality, FaceQuality__Output as _facetrail_recognizer_v1_FaceQuality__Output } from './facetrail/recognizer/v1/FaceQuality.js';
import type { FolderEnrollment as _facetrail_recognizer_v1_FolderEnrollment, FolderEnrollment__Output as _facetrail_recognizer_v1_FolderEnrollment__Output } from './facetrail/recognizer/v1/FolderEnrollment.js';
import type { IdentifyRequest as _facetrail_recognizer_v1_IdentifyRequest, IdentifyRequest__Output as _facetrail_recognizer_v1_IdentifyRequest__Output } from './facetrail/recognizer/v1/IdentifyRequest.js';
import type { IdentifyResponse as _facetrail_recognizer_v1_IdentifyResponse, IdentifyResponse__Output as _facetrail_recognizer_v1_IdentifyResponse__Output } from './facetrail/recognizer/v1/IdentifyResponse.js';
import type { ImageSource as _facetrail_recognizer_v1_ImageSource, ImageSource__Output as _facetrail_recognizer_v1_ImageSource__Output } from './facetrail/recognizer/v1/ImageSource.js';
import type { Match as _facetrail_recognizer_v1_Match, Match__Output as _facetrail_recognizer_v1_Match__Output } from './facetrail/recognizer/v1/Match.js';
import type { RecognizerClient as _facetrail_recognizer_v1_RecognizerClient, RecognizerDefinition as _facetrail_recognizer_v1_RecognizerDefinition } from './facetrail/recognizer/v1/Recognizer.js';
import type { RefreshGalleryRequest as _facetrail_recognizer_v1_RefreshGalleryRequest, RefreshGalleryRequest__Output as _facetrail_recognizer_v1_RefreshGalleryRequest__Output } from './facetrail/recognizer/v1/RefreshGalleryRequest.js';
import type { RefreshGalleryResponse as _facetrail_recognizer_v1_RefreshGalleryResponse, RefreshGalleryResponse__Output as _facetrail_recognizer_v1_RefreshGalleryResponse__Output } from './facetrail/recognizer/v1/RefreshGalleryResponse.js';
import type { RescoreDecision as _facetrail_recognizer_v1_RescoreDecision, RescoreDecision__Output as _facetrail_recognizer_v1_RescoreDecision__Output } from './facetrail/recognizer/v1/RescoreDecision.js';
import type { RescoreFace as _facetrail_recognizer_v1_RescoreFace, RescoreFace__Output as _facetrail_recognizer_v1_RescoreFace__Output } from './facetrail/recognizer/v1/RescoreFace.js';
import type { RescoreRequest as _facetrail_recognizer_v1_RescoreRequest, RescoreRequest__Output as _facetrail_recognizer_v1_RescoreRequest__Output } from './facetrail/recognizer/v1/RescoreRequest.js';
import type { RescoreResponse as _facetrail_recognizer_v1_RescoreResponse, RescoreResponse__Output as _facetrail_recognizer_v1_RescoreResponse__Output } from './facetrail/recognizer/v1/RescoreResponse.js';

type SubtypeConstructor<Constructor extends new (...args: any) => any, Subtype> = {
  new(...args: ConstructorParameters<Constructor>): Subtype;
};

export interface ProtoGrpcType {
  facetrail: {
    recognizer: {
      v1: {
        Box: MessageTypeDefinition<_facetrail_recognizer_v1_Box, _facetrail_recognizer_v1_Box__Output>
        DescribeRequest: MessageTypeDefinition<_facetrail_recognizer_v1_DescribeRequest, _facetrail_recognizer_v1_DescribeRequest__Output>
        DescribeResponse: MessageTypeDefinition<_facetrail_recognizer_v1_DescribeResponse, _facetrail_recognizer_v1_DescribeResponse__Output>
        EnrollRequest: MessageTypeDefinition<_facetrail_recognizer_v1_EnrollRequest, _facetrail_recognizer_v1_EnrollRequest__Output>
        EnrollResponse: MessageTypeDefinition<_facetrail_recognizer_v1_EnrollResponse, _facetrail_recognizer_v1_EnrollResponse__Output>
        Face: MessageTypeDefinition<_facetrail_recognizer_v1_Face, _facetrail_recognizer_v1_Face__Output>
        FaceQuality: MessageTypeDefinition<_facetrail_recognizer_v1_FaceQuality, _facetrail_recognizer_v1_FaceQuality__Output>
        FolderEnrollment: MessageTypeDefinition<_facetrail_recognizer_v1_FolderEnrollment, _facetrail_recognizer_v1_FolderEnrollment__Output>
        IdentifyRequest: MessageTypeDefinition<_facetrail_recognizer_v1_IdentifyRequest, _facetrail_recognizer_v1_IdentifyRequest__Output>
        IdentifyResponse: MessageTypeDefinition<_facetrail_recognizer_v1_IdentifyResponse, _facetrail_recognizer_v1_IdentifyResponse__Output>
        ImageSource: MessageTypeDefinition<_facetrail_recognizer_v1_ImageSource, _facetrail_recognizer_v1_ImageSource__Output>
        Match: MessageTypeDefinition<_facetrail_recognizer_v1_Match, _facetrail_recognizer_v1_Match__Output>
        /**
         * Every Recognizer call carries the shared secret in its metadata, `authorization: Bearer
         * <RECOGNIZER_SECRET>`; a call without it is refused with UNAUTHENTICATED.
         */
        Recognizer: SubtypeConstructor<typeof grpc.Client, _facetrail_recognizer_v1_RecognizerClient> & { service: _facetrail_recognizer_v1_RecognizerDefinition }
        RefreshGalleryRequest: MessageTypeDefinition<_facetrail_recognizer_v1_RefreshGalleryRequest, _facetrail_recognizer_v1_RefreshGalleryRequest__Output>
        RefreshGalleryResponse: MessageTypeDefinition<_facetrail_recognizer_v1_RefreshGalleryResponse, _facetrail_recognizer_v1_RefreshGalleryResponse__Output>
        RescoreDecision: MessageTypeDefinition<_facetrail_recognizer_v1_RescoreDecision, _facetrail_recognizer_v1_RescoreDecision__Output>
        RescoreFace: MessageTypeDefinition<_facetrail_recognizer_v1_RescoreFace, _facetrail_recognizer_v1_RescoreFace__Output>
        RescoreRequest: MessageTypeDefinition<_facetrail_recognizer_v1_RescoreRequest, _facetrail_recognizer_v1_RescoreRequest__Output>
        RescoreResponse: MessageTypeDefinition<_facetrail_recognizer_v1_RescoreResponse, _facetrail_recognizer_v1_RescoreResponse__Output>
      }
    }
  }
}


// Original file: proto/recognizer/v1/recognizer.proto

import type * as grpc from '@grpc/grpc-js'
import type { MethodDefinition } from '@grpc/proto-loader'
import type { DescribeRequest as _facetrail_recognizer_v1_DescribeRequest, DescribeRequest__Output as _facetrail_recognizer_v1_DescribeRequest__Output } from '../../../facetrail/recognizer/v1/DescribeRequest.js';
import type { DescribeResponse as _facetrail_recognizer_v1_DescribeResponse, DescribeResponse__Output as _facetrail_recognizer_v1_DescribeResponse__Output } from '../../../facetrail/recognizer/v1/DescribeResponse.js';
import type { EnrollRequest as _facetrail_recognizer_v1_EnrollRequest, EnrollRequest__Output as _facetrail_recognizer_v1_EnrollRequest__Output } from '../../../facetrail/recognizer/v1/EnrollRequest.js';
import type { EnrollResponse as _facetrail_recognizer_v1_EnrollResponse, EnrollResponse__Output as _facetrail_recognizer_v1_EnrollResponse__Output } from '../../../facetrail/recognizer/v1/EnrollResponse.js';
import type { IdentifyRequest as _facetrail_recognizer_v1_IdentifyRequest, IdentifyRequest__Output as _facetrail_recognizer_v1_IdentifyRequest__Output } from '../../../facetrail/recognizer/v1/IdentifyRequest.js';
import type { IdentifyResponse as _facetrail_recognizer_v1_IdentifyResponse, IdentifyResponse__Output as _facetrail_recognizer_v1_IdentifyResponse__Output } from '../../../facetrail/recognizer/v1/IdentifyResponse.js';
import type { RefreshGalleryRequest as _facetrail_recognizer_v1_RefreshGalleryRequest, RefreshGalleryRequest__Output as _facetrail_recognizer_v1_RefreshGalleryRequest__Output } from '../../../facetrail/recognizer/v1/RefreshGalleryRequest.js';
import type { RefreshGalleryResponse as _facetrail_recognizer_v1_RefreshGalleryResponse, RefreshGalleryResponse__Output as _facetrail_recognizer_v1_RefreshGalleryResponse__Output } from '../../../facetrail/recognizer/v1/RefreshGalleryResponse.js';
import type { RescoreRequest as _facetrail_recognizer_v1_RescoreRequest, RescoreRequest__Output as _facetrail_recognizer_v1_RescoreRequest__Output } from '../../../facetrail/recognizer/v1/RescoreRequest.js';
import type { RescoreResponse as _facetrail_recognizer_v1_RescoreResponse, RescoreResponse__Output as _facetrail_recognizer_v1_RescoreResponse__Output } from '../../../facetrail/recognizer/v1/RescoreResponse.js';

/**
 * Every Recognizer call carries the shared secret in its metadata, `authorization: Bearer
 * <RECOGNIZER_SECRET>`; a call without it is refused with UNAUTHENTICATED.
 */
export interface RecognizerClient extends grpc.Client {
  /**
   * What this replica runs: backend, detector, gallery size, threshold.
   */
  Describe(argument: _facetrail_recognizer_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _facetrail_recognizer_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _facetrail_recognizer_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  Describe(argument: _facetrail_recognizer_v1_DescribeRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  /**
   * What this replica runs: backend, detector, gallery size, threshold.
   */
  describe(argument: _facetrail_recognizer_v1_DescribeRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _facetrail_recognizer_v1_DescribeRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _facetrail_recognizer_v1_DescribeRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  describe(argument: _facetrail_recognizer_v1_DescribeRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_DescribeResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Computes and stores the descriptor of the single face on a photo of a known person.
   */
  Enroll(argument: _facetrail_recognizer_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _facetrail_recognizer_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _facetrail_recognizer_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  Enroll(argument: _facetrail_recognizer_v1_EnrollRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Computes and stores the descriptor of the single face on a photo of a known person.
   */
  enroll(argument: _facetrail_recognizer_v1_EnrollRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _facetrail_recognizer_v1_EnrollRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _facetrail_recognizer_v1_EnrollRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  enroll(argument: _facetrail_recognizer_v1_EnrollRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_EnrollResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Every face on one photo, each with its best match in the gallery (if under the threshold).
   */
  Identify(argument: _facetrail_recognizer_v1_IdentifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  Identify(argument: _facetrail_recognizer_v1_IdentifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  Identify(argument: _facetrail_recognizer_v1_IdentifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  Identify(argument: _facetrail_recognizer_v1_IdentifyRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Every face on one photo, each with its best match in the gallery (if under the threshold).
   */
  identify(argument: _facetrail_recognizer_v1_IdentifyRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _facetrail_recognizer_v1_IdentifyRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _facetrail_recognizer_v1_IdentifyRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  identify(argument: _facetrail_recognizer_v1_IdentifyRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_IdentifyResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Reloads the in-memory gallery from the database (after enrollments elsewhere).
   */
  RefreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  RefreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  RefreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  RefreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Reloads the in-memory gallery from the database (after enrollments elsewhere).
   */
  refreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  refreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  refreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  refreshGallery(argument: _facetrail_recognizer_v1_RefreshGalleryRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_RefreshGalleryResponse__Output>): grpc.ClientUnaryCall;
  
  /**
   * Decides stored faces again against today's gallery and match rule, without inference
   * (lib/rescore.ts pages through the faces table and calls it in batches).
   */
  Rescore(argument: _facetrail_recognizer_v1_RescoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  Rescore(argument: _facetrail_recognizer_v1_RescoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  Rescore(argument: _facetrail_recognizer_v1_RescoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  Rescore(argument: _facetrail_recognizer_v1_RescoreRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  /**
   * Decides stored faces again against today's gallery and match rule, without inference
   * (lib/rescore.ts pages through the faces table and calls it in batches).
   */
  rescore(argument: _facetrail_recognizer_v1_RescoreRequest, metadata: grpc.Metadata, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  rescore(argument: _facetrail_recognizer_v1_RescoreRequest, metadata: grpc.Metadata, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  rescore(argument: _facetrail_recognizer_v1_RescoreRequest, options: grpc.CallOptions, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  rescore(argument: _facetrail_recognizer_v1_RescoreRequest, callback: grpc.requestCallback<_facetrail_recognizer_v1_RescoreResponse__Output>): grpc.ClientUnaryCall;
  
}

/**
 * Every Recognizer call carries the shared secret in its metadata, `authorization: Bearer
 * <RECOGNIZER_SECRET>`; a call without it is refused with UNAUTHENTICATED.
 */
export interface RecognizerHandlers extends grpc.UntypedServiceImplementation {
  /**
   * What this replica runs: backend, detector, gallery size, threshold.
   */
  Describe: grpc.handleUnaryCall<_facetrail_recognizer_v1_DescribeRequest__Output, _facetrail_recognizer_v1_DescribeResponse>;
  
  /**
   * Computes and stores the descriptor of the single face on a photo of a known person.
   */
  Enroll: grpc.handleUnaryCall<_facetrail_recognizer_v1_EnrollRequest__Output, _facetrail_recognizer_v1_EnrollResponse>;
  
  /**
   * Every face on one photo, each with its best match in the gallery (if under the threshold).
   */
  Identify: grpc.handleUnaryCall<_facetrail_recognizer_v1_IdentifyRequest__Output, _facetrail_recognizer_v1_IdentifyResponse>;
  
  /**
   * Reloads the in-memory gallery from the database (after enrollments elsewhere).
   */
  RefreshGallery: grpc.handleUnaryCall<_facetrail_recognizer_v1_RefreshGalleryRequest__Output, _facetrail_recognizer_v1_RefreshGalleryResponse>;
  
  /**
   * Decides stored faces again against today's gallery and match rule, without inference
   * (lib/rescore.ts pages through the faces table and calls it in batches).
   */
  Rescore: grpc.handleUnaryCall<_facetrail_recognizer_v1_RescoreRequest__Output, _facetrail_recognizer_v1_RescoreResponse>;
  
}

export interface RecognizerDefinition extends grpc.ServiceDefinition {
  Describe: MethodDefinition<_facetrail_recognizer_v1_DescribeRequest, _facetrail_recognizer_v1_DescribeResponse, _facetrail_recognizer_v1_DescribeRequest__Output, _facetrail_recognizer_v1_DescribeResponse__Output>
  Enroll: MethodDefinition<_facetrail_recognizer_v1_EnrollRequest, _facetrail_recognizer_v1_EnrollResponse, _facetrail_recognizer_v1_EnrollRequest__Output, _facetrail_recognizer_v1_EnrollResponse__Output>
  Identify: MethodDefinition<_facetrail_recognizer_v1_IdentifyRequest, _facetrail_recognizer_v1_IdentifyResponse, _facetrail_recognizer_v1_IdentifyRequest__Output, _facetrail_recognizer_v1_IdentifyResponse__Output>
  RefreshGallery: MethodDefinition<_facetrail_recognizer_v1_RefreshGalleryRequest, _facetrail_recognizer_v1_RefreshGalleryResponse, _facetrail_recognizer_v1_RefreshGalleryRequest__Output, _facetrail_recognizer_v1_RefreshGalleryResponse__Output>
  Rescore: MethodDefinition<_facetrail_recognizer_v1_RescoreRequest, _facetrail_recognizer_v1_RescoreResponse, _facetrail_recognizer_v1_RescoreRequest__Output, _facetrail_recognizer_v1_RescoreResponse__Output>
}

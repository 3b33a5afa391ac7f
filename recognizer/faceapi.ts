/**
 * The part of @vladmandic/face-api the recognizer uses, typed by hand: the package's bundled
 * typings pull in DOM types. `tf` is the real @tensorflow/tfjs module face-api was built
 * against (tfjs-node or tfjs + the wasm backend), so its types come from @tensorflow/tfjs.
 */
import type * as tfjs from '@tensorflow/tfjs';

export type Tf = typeof tfjs;
export type { tfjs };

export interface Dimensions {
  width: number;
  height: number;
}

/** face-api's Box/Rect (x, y, width, height plus helpers). */
export interface FaceBox extends Dimensions {
  x: number;
  y: number;
  /** Clipped to the image and floored, as face-api does before cropping a face. */
  clipAtImageBorders(width: number, height: number): FaceBox;
}

export interface FaceDetection {
  score: number;
  /** In pixels of the image the detector was given. */
  box: FaceBox;
  imageWidth: number;
  imageHeight: number;
  forSize(width: number, height: number): FaceDetection;
}

export interface FaceLandmarks {
  /** The 68 points, in pixels of the image the face was found on. */
  readonly positions: ReadonlyArray<{ x: number; y: number }>;
  align(detection: null, options: { useDlibAlignment: boolean }): FaceBox;
}

/** face-api's NetInput: the resized, padded batch a network sees. */
export interface NetInput {
  readonly inputSize: number;
  toBatchTensor(inputSize: number, isCenterInputs?: boolean): tfjs.Tensor4D;
  getReshapedInputDimensions(batchIndex: number): Dimensions;
  getInputWidth(batchIndex: number): number;
  getInputHeight(batchIndex: number): number;
}

interface ConvParams {
  filters: tfjs.Tensor4D;
  batch_norm_offset: tfjs.Tensor1D;
}

interface DepthwiseConvParams {
  filters: tfjs.Tensor4D;
  batch_norm_scale: tfjs.Tensor1D;
  batch_norm_offset: tfjs.Tensor1D;
  batch_norm_mean: tfjs.Tensor1D;
  batch_norm_variance: tfjs.Tensor1D;
}

interface BiasedConvParams {
  filters: tfjs.Tensor4D;
  bias: tfjs.Tensor1D;
}

/** SSD MobileNet v1 weights as face-api loads them (`nets.ssdMobilenetv1.params`). */
export interface SsdParams {
  mobilenetv1: Record<string, ConvParams> &
    Record<string, { depthwise_conv: DepthwiseConvParams; pointwise_conv: ConvParams }>;
  prediction_layer: Record<string, ConvParams> &
    Record<string, { box_encoding_predictor: BiasedConvParams; class_predictor: BiasedConvParams }>;
  output_layer: { extra_dim: tfjs.Tensor3D };
}

interface Net {
  loadFromDisk(dir: string): Promise<void>;
  readonly isLoaded: boolean;
}

export interface FaceApi {
  tf: Tf;
  nets: {
    ssdMobilenetv1: Net & {
      readonly params: SsdParams | undefined;
      locateFaces(input: tfjs.Tensor3D, options: unknown): Promise<FaceDetection[]>;
    };
    tinyFaceDetector: Net & {
      locateFaces(input: tfjs.Tensor3D, options: unknown): Promise<FaceDetection[]>;
    };
    faceLandmark68Net: Net & {
      detectLandmarks(input: tfjs.Tensor3D): Promise<FaceLandmarks>;
    };
    faceRecognitionNet: Net & {
      computeFaceDescriptor(input: tfjs.Tensor3D): Promise<Float32Array>;
    };
  };
  SsdMobilenetv1Options: new (options: { minConfidence: number; maxResults?: number }) => unknown;
  TinyFaceDetectorOptions: new (options: { inputSize: number; scoreThreshold: number }) => unknown;
  FaceDetection: new (score: number, relativeBox: FaceBox, imageDims: Dimensions) => FaceDetection;
  Rect: new (x: number, y: number, width: number, height: number) => FaceBox;
  toNetInput(input: tfjs.Tensor3D | tfjs.Tensor3D[]): Promise<NetInput>;
  extendWithFaceDetection<T extends object>(
    source: T,
    detection: FaceDetection,
  ): T & { detection: FaceDetection };
  extendWithFaceLandmarks<T extends { detection: FaceDetection }>(
    source: T,
    unshiftedLandmarks: FaceLandmarks,
  ): T & { landmarks: FaceLandmarks };
  /** The straightforward chain (used by the benchmark's baseline). */
  detectAllFaces(
    input: tfjs.Tensor3D,
    options: unknown,
  ): {
    withFaceLandmarks(): {
      withFaceDescriptors(): Promise<Array<{ detection: FaceDetection; descriptor: Float32Array }>>;
    };
  };
}

import type { FaceApi, FaceDetection, NetInput, SsdParams, Tf, tfjs } from './faceapi.js';

/** The square face-api's SSD MobileNet v1 was trained on (its 5 118 anchors are for it). */
export const SSD_INPUT_SIZE = 512;
/** Feature-map grids and anchors per cell of the six prediction layers at 512 px. */
const ANCHOR_LAYERS_512 = [
  { grid: 32, boxes: 3 },
  { grid: 16, boxes: 6 },
  { grid: 8, boxes: 6 },
  { grid: 4, boxes: 6 },
  { grid: 2, boxes: 6 },
  { grid: 1, boxes: 6 },
] as const;
const IOU_THRESHOLD = 0.5;
const BATCH_NORM_EPSILON = 0.0010000000474974513;
/** Depthwise layers of MobileNet v1 that halve the resolution. */
const STRIDE_2_LAYERS = new Set([2, 4, 6, 12]);

interface FoldedDepthwise {
  filter: tfjs.Tensor4D;
  bias: tfjs.Tensor1D;
}

export interface SsdDetectorOptions {
  minConfidence: number;
  maxResults: number;
  /**
   * The square the photo is resized to (a multiple of 32; default 512 as face-api). A smaller
   * one costs (size/512)² of the work and misses faces under ~20 px at that size.
   */
  inputSize?: number;
}

/**
 * The six prediction layers' grids at an input size: MobileNet's outputs at strides 16 and
 * 32, then four stride-2 convolutions, all with 'same' padding (ceil at each halving).
 */
export function ssdGrids(size: number): number[] {
  const grids = [Math.ceil(size / 16)];
  while (grids.length < 6) grids.push(Math.ceil(grids.at(-1)! / 2));
  return grids;
}

/**
 * Anchors ([ymin, xmin, ymax, xmax], relative) for the network run on a `size`-pixel square
 * whose six prediction layers have `grids` cells per side. The network is convolutional:
 * at any input size a layer's cell responds to faces of the same size *in pixels* as at
 * 512 px, so each anchor keeps its size in pixels (its relative size is scaled by 512/size)
 * and sits at the centre of its cell, as the TF Object Detection API places them.
 * At 512 px this reproduces face-api's stored anchors (`extra_dim`) exactly.
 */
export function ssdAnchors(
  sizes512: ReadonlyArray<ReadonlyArray<[number, number]>>,
  grids: readonly number[],
  size: number,
): Float32Array {
  const scale = SSD_INPUT_SIZE / size;
  const count = grids.reduce((sum, grid, layer) => sum + grid * grid * sizes512[layer]!.length, 0);
  const anchors = new Float32Array(count * 4);
  let offset = 0;
  grids.forEach((grid, layer) => {
    for (let row = 0; row < grid; row++) {
      for (let column = 0; column < grid; column++) {
        const cy = (row + 0.5) / grid;
        const cx = (column + 0.5) / grid;
        for (const [height, width] of sizes512[layer]!) {
          const h = (height * scale) / 2;
          const w = (width * scale) / 2;
          anchors.set([cy - h, cx - w, cy + h, cx + w], offset);
          offset += 4;
        }
      }
    }
  });
  return anchors;
}

/**
 * face-api's SSD MobileNet v1 face detector, run faster on the same weights:
 *
 * - **Fused layers.** face-api runs every layer as three ops (conv, batch norm or bias add,
 *   clip to 0..6), each a pass over the activations. Here each layer is one fused
 *   conv + bias + relu6 kernel, with the depthwise layers' batch norm folded into their
 *   filters and bias once at load. Same function; float32 results differ by rounding only
 *   (about 1e-4 on activations that reach 6).
 * - **Non-maximum suppression in plain arrays.** face-api's NMS reads the whole 1917×4 box
 *   tensor back (`arraySync`) for every pair of boxes it compares: ~10 ms on a portrait,
 *   ~130 ms on a photo of five people. Here the boxes are read once; the algorithm, its
 *   order and its thresholds are face-api's.
 *
 * Boxes and scores come out as face-api's `FaceDetection`s, in pixels of the given image.
 */
export class FastSsd {
  private readonly tf: Tf;
  private readonly params: SsdParams;
  private readonly folded = new Map<number, FoldedDepthwise>();
  /** Each prediction layer's anchor sizes (height, width; relative at 512 px), from extra_dim. */
  private readonly anchorSizes: Array<Array<[number, number]>>;
  private readonly anchorCache = new Map<string, tfjs.Tensor2D>();

  /**
   * `inputSizes`: anchors made at once for these sizes (those the caller will use), so that no
   * tensor appears later, after the pool's leak watch took its reference count.
   */
  constructor(
    private readonly faceapi: FaceApi,
    inputSizes: readonly number[] = [SSD_INPUT_SIZE],
  ) {
    this.tf = faceapi.tf;
    const params = faceapi.nets.ssdMobilenetv1.params;
    if (!params) throw new Error('load the SSD MobileNet v1 model before creating FastSsd');
    this.params = params;
    const tf = this.tf;
    const stored = tf.reshape(params.output_layer.extra_dim, [-1, 4]).arraySync() as number[][];
    let first = 0;
    this.anchorSizes = ANCHOR_LAYERS_512.map(({ grid, boxes }) => {
      const sizes = stored
        .slice(first, first + boxes)
        .map(([y0, x0, y1, x1]) => [y1! - y0!, x1! - x0!] as [number, number]);
      first += grid * grid * boxes;
      return sizes;
    });
    for (const size of new Set(inputSizes)) this.anchors(ssdGrids(size), size);
    for (let layer = 1; layer <= 13; layer++) {
      const { depthwise_conv: bn } = this.layer(layer);
      this.folded.set(
        layer,
        tf.tidy(() => {
          // y = (conv(x, f) - mean) * scale / sqrt(var + eps) + offset = conv(x, f * k) + (offset - mean * k)
          const k = tf.div(
            bn.batch_norm_scale,
            tf.sqrt(tf.add(bn.batch_norm_variance, BATCH_NORM_EPSILON)),
          );
          return {
            filter: tf.mul(bn.filters, tf.reshape(k, [1, 1, -1, 1])) as tfjs.Tensor4D,
            bias: tf.sub(bn.batch_norm_offset, tf.mul(bn.batch_norm_mean, k)) as tfjs.Tensor1D,
          };
        }),
      );
    }
  }

  /** Releases the folded weights (the model's own weights belong to face-api). */
  dispose(): void {
    for (const { filter, bias } of this.folded.values()) {
      filter.dispose();
      bias.dispose();
    }
    this.folded.clear();
    for (const anchors of this.anchorCache.values()) anchors.dispose();
    this.anchorCache.clear();
  }

  /** Anchors for these prediction-layer grids (cached: one set per input size). */
  private anchors(grids: number[], size: number): tfjs.Tensor2D {
    const key = `${size}:${grids.join('x')}`;
    let anchors = this.anchorCache.get(key);
    if (!anchors) {
      const values = ssdAnchors(this.anchorSizes, grids, size);
      anchors = this.tf.keep(this.tf.tensor2d(values, [values.length / 4, 4]));
      this.anchorCache.set(key, anchors);
    }
    return anchors;
  }

  async locateFaces(image: tfjs.Tensor3D, options: SsdDetectorOptions): Promise<FaceDetection[]> {
    const size = options.inputSize ?? SSD_INPUT_SIZE;
    if (!Number.isInteger(size) || size % 32 !== 0 || size < 128)
      throw new Error(`SSD input size must be a multiple of 32 from 128, not ${size}`);
    const input = await this.faceapi.toNetInput(image);
    const { boxes, scores } = this.forward(input, size);
    try {
      const scoreValues = Array.from(scores.dataSync());
      const boxValues = boxes.arraySync();
      const kept = nonMaxSuppression(
        boxValues,
        scoreValues,
        options.maxResults,
        IOU_THRESHOLD,
        options.minConfidence,
      );
      const reshaped = input.getReshapedInputDimensions(0);
      const padX = input.inputSize / reshaped.width;
      const padY = input.inputSize / reshaped.height;
      const imageDims = { width: input.getInputWidth(0), height: input.getInputHeight(0) };
      return kept.map((index) => {
        const [y0, x0, y1, x1] = boxValues[index] as [number, number, number, number];
        const top = Math.max(0, y0) * padY;
        const bottom = Math.min(1, y1) * padY;
        const left = Math.max(0, x0) * padX;
        const right = Math.min(1, x1) * padX;
        return new this.faceapi.FaceDetection(
          scoreValues[index] as number,
          new this.faceapi.Rect(left, top, right - left, bottom - top),
          imageDims,
        );
      });
    } finally {
      boxes.dispose();
      scores.dispose();
    }
  }

  /** face-api's SsdMobilenetv1.forwardInput with fused layers; batch of one. */
  private forward(input: NetInput, size: number): { boxes: tfjs.Tensor2D; scores: tfjs.Tensor1D } {
    const tf = this.tf;
    return tf.tidy(() => {
      const batch = tf.cast(input.toBatchTensor(size, false), 'float32');
      const x = tf.sub(tf.div(batch, 127.5), 1) as tfjs.Tensor4D;
      const { out, conv11 } = this.mobileNet(x);
      const { boxPredictions, classPredictions, grids } = this.predictionLayer(out, conv11);
      return this.outputLayer(boxPredictions, classPredictions, this.anchors(grids, size));
    });
  }

  private layer(index: number) {
    const layer = this.params.mobilenetv1[`conv_${index}`] as
      { depthwise_conv: SsdParams['mobilenetv1'][string]; pointwise_conv: unknown } | undefined;
    if (!layer) throw new Error(`SSD weights lack mobilenetv1.conv_${index}`);
    return layer as unknown as {
      depthwise_conv: {
        filters: tfjs.Tensor4D;
        batch_norm_scale: tfjs.Tensor1D;
        batch_norm_offset: tfjs.Tensor1D;
        batch_norm_mean: tfjs.Tensor1D;
        batch_norm_variance: tfjs.Tensor1D;
      };
      pointwise_conv: { filters: tfjs.Tensor4D; batch_norm_offset: tfjs.Tensor1D };
    };
  }

  /** conv + offset + relu6 as one kernel (face-api's `convLayer`). */
  private convRelu6(
    x: tfjs.Tensor4D,
    params: { filters: tfjs.Tensor4D; batch_norm_offset: tfjs.Tensor1D },
    stride: 1 | 2,
  ): tfjs.Tensor4D {
    return this.tf.fused.conv2d({
      x,
      filter: params.filters,
      strides: [stride, stride],
      pad: 'same',
      bias: params.batch_norm_offset,
      activation: 'relu6',
    });
  }

  private mobileNet(x: tfjs.Tensor4D): { out: tfjs.Tensor4D; conv11: tfjs.Tensor4D } {
    const tf = this.tf;
    const conv0 = this.params.mobilenetv1.conv_0 as unknown as {
      filters: tfjs.Tensor4D;
      batch_norm_offset: tfjs.Tensor1D;
    };
    let out = this.convRelu6(x, conv0, 2);
    let conv11: tfjs.Tensor4D | undefined;
    for (let index = 1; index <= 13; index++) {
      const folded = this.folded.get(index)!;
      const stride = STRIDE_2_LAYERS.has(index) ? 2 : 1;
      out = tf.fused.depthwiseConv2d({
        x: out,
        filter: folded.filter,
        strides: [stride, stride],
        pad: 'same',
        bias: folded.bias,
        activation: 'relu6',
      });
      out = this.convRelu6(out, this.layer(index).pointwise_conv, 1);
      if (index === 11) conv11 = out;
    }
    return { out, conv11: conv11! };
  }

  private predictionLayer(
    out: tfjs.Tensor4D,
    conv11: tfjs.Tensor4D,
  ): { boxPredictions: tfjs.Tensor4D; classPredictions: tfjs.Tensor3D; grids: number[] } {
    const tf = this.tf;
    const layer = this.params.prediction_layer as unknown as Record<
      string,
      {
        filters: tfjs.Tensor4D;
        batch_norm_offset: tfjs.Tensor1D;
        box_encoding_predictor: { filters: tfjs.Tensor4D; bias: tfjs.Tensor1D };
        class_predictor: { filters: tfjs.Tensor4D; bias: tfjs.Tensor1D };
      }
    >;
    const conv = (input: tfjs.Tensor4D, name: string, stride: 1 | 2) =>
      this.convRelu6(input, layer[name]!, stride);
    const c0 = conv(out, 'conv_0', 1);
    const c1 = conv(c0, 'conv_1', 2);
    const c2 = conv(c1, 'conv_2', 1);
    const c3 = conv(c2, 'conv_3', 2);
    const c4 = conv(c3, 'conv_4', 1);
    const c5 = conv(c4, 'conv_5', 2);
    const c6 = conv(c5, 'conv_6', 1);
    const c7 = conv(c6, 'conv_7', 2);
    const sources: Array<[tfjs.Tensor4D, string]> = [
      [conv11, 'box_predictor_0'],
      [out, 'box_predictor_1'],
      [c1, 'box_predictor_2'],
      [c3, 'box_predictor_3'],
      [c5, 'box_predictor_4'],
      [c7, 'box_predictor_5'],
    ];
    const biased = (
      input: tfjs.Tensor4D,
      params: { filters: tfjs.Tensor4D; bias: tfjs.Tensor1D },
    ) =>
      tf.fused.conv2d({
        x: input,
        filter: params.filters,
        strides: 1,
        pad: 'same',
        bias: params.bias,
      });
    const boxes: tfjs.Tensor4D[] = [];
    const classes: tfjs.Tensor3D[] = [];
    for (const [input, name] of sources) {
      const predictor = layer[name]!;
      const batch = input.shape[0];
      boxes.push(tf.reshape(biased(input, predictor.box_encoding_predictor), [batch, -1, 1, 4]));
      classes.push(tf.reshape(biased(input, predictor.class_predictor), [batch, -1, 3]));
    }
    return {
      boxPredictions: tf.concat(boxes, 1),
      classPredictions: tf.concat(classes, 1),
      grids: sources.map(([input]) => input.shape[1]),
    };
  }

  /** face-api's output layer: anchors + box encodings → corner boxes; face scores. */
  private outputLayer(
    boxPredictions: tfjs.Tensor4D,
    classPredictions: tfjs.Tensor3D,
    anchors: tfjs.Tensor2D,
  ): { boxes: tfjs.Tensor2D; scores: tfjs.Tensor1D } {
    const tf = this.tf;
    const encodings = tf.reshape(boxPredictions, [-1, 4]);
    const [a0, a1, a2, a3] = tf.unstack(tf.transpose(anchors, [1, 0])) as tfjs.Tensor1D[];
    const sizes = [tf.sub(a2!, a0!), tf.sub(a3!, a1!)] as const;
    const centers = [tf.add(a0!, tf.div(sizes[0], 2)), tf.add(a1!, tf.div(sizes[1], 2))] as const;
    const [e0, e1, e2, e3] = tf.unstack(tf.transpose(encodings, [1, 0])) as tfjs.Tensor1D[];
    const halfWidth = tf.div(tf.mul(tf.exp(tf.div(e2!, 5)), sizes[0]), 2);
    const centerX = tf.add(tf.mul(tf.div(e0!, 10), sizes[0]), centers[0]);
    const halfHeight = tf.div(tf.mul(tf.exp(tf.div(e3!, 5)), sizes[1]), 2);
    const centerY = tf.add(tf.mul(tf.div(e1!, 10), sizes[1]), centers[1]);
    const boxes = tf.transpose(
      tf.stack([
        tf.sub(centerX, halfWidth),
        tf.sub(centerY, halfHeight),
        tf.add(centerX, halfWidth),
        tf.add(centerY, halfHeight),
      ]),
      [1, 0],
    ) as tfjs.Tensor2D;
    const scores = tf.reshape(
      tf.slice(
        tf.sigmoid(tf.slice(classPredictions, [0, 0, 1], [-1, -1, -1])),
        [0, 0, 0],
        [-1, -1, 1],
      ),
      [-1],
    ) as tfjs.Tensor1D;
    return { boxes, scores };
  }
}

function iou(boxes: number[][], i: number, j: number): number {
  const a = boxes[i] as [number, number, number, number];
  const b = boxes[j] as [number, number, number, number];
  const yMinA = Math.min(a[0], a[2]);
  const xMinA = Math.min(a[1], a[3]);
  const yMaxA = Math.max(a[0], a[2]);
  const xMaxA = Math.max(a[1], a[3]);
  const yMinB = Math.min(b[0], b[2]);
  const xMinB = Math.min(b[1], b[3]);
  const yMaxB = Math.max(b[0], b[2]);
  const xMaxB = Math.max(b[1], b[3]);
  const areaA = (yMaxA - yMinA) * (xMaxA - xMinA);
  const areaB = (yMaxB - yMinB) * (xMaxB - xMinB);
  if (areaA <= 0 || areaB <= 0) return 0;
  const yMin = Math.max(yMinA, yMinB);
  const xMin = Math.max(xMinA, xMinB);
  const yMax = Math.min(yMaxA, yMaxB);
  const xMax = Math.min(xMaxA, xMaxB);
  const intersection = Math.max(yMax - yMin, 0) * Math.max(xMax - xMin, 0);
  return intersection / (areaA + areaB - intersection);
}

/**
 * face-api's SSD non-maximum suppression (hard suppression above `iouThreshold`), on arrays:
 * candidates above `scoreThreshold` by falling score; a candidate is kept unless it overlaps
 * a kept box by more than the threshold. Returns the kept indices in order.
 */
export function nonMaxSuppression(
  boxes: number[][],
  scores: number[],
  maxResults: number,
  iouThreshold: number,
  scoreThreshold: number,
): number[] {
  const limit = Math.min(maxResults, boxes.length);
  const candidates = scores
    .map((score, index) => ({ score, index }))
    .filter((candidate) => candidate.score > scoreThreshold)
    .sort((a, b) => b.score - a.score);
  const kept: number[] = [];
  for (const candidate of candidates) {
    if (kept.length >= limit) break;
    const original = candidate.score;
    for (let k = kept.length - 1; k >= 0; k--) {
      const overlap = iou(boxes, candidate.index, kept[k]!);
      if (overlap === 0) continue;
      if (overlap > iouThreshold) candidate.score = 0;
      if (candidate.score <= scoreThreshold) break;
    }
    if (candidate.score === original) kept.push(candidate.index);
  }
  return kept;
}

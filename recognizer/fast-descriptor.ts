import type { FaceApi, Tf, tfjs } from './faceapi.js';

/** The descriptor network looks at 150×150 aligned faces. */
export const DESCRIPTOR_INPUT_SIZE = 150;
const MEAN_RGB = [122.782, 117.001, 104.298] as const;

interface ScaledConv {
  conv: { filters: tfjs.Tensor4D; bias: tfjs.Tensor1D };
  scale: { weights: tfjs.Tensor1D; biases: tfjs.Tensor1D };
}

interface FoldedConv {
  filter: tfjs.Tensor4D;
  bias: tfjs.Tensor1D;
}

const RESIDUAL_BLOCKS = [
  ['conv32_1', 'plain'],
  ['conv32_2', 'plain'],
  ['conv32_3', 'plain'],
  ['conv64_down', 'down'],
  ['conv64_1', 'plain'],
  ['conv64_2', 'plain'],
  ['conv64_3', 'plain'],
  ['conv128_down', 'down'],
  ['conv128_1', 'plain'],
  ['conv128_2', 'plain'],
  ['conv256_down', 'down'],
  ['conv256_1', 'plain'],
  ['conv256_2', 'plain'],
  ['conv256_down_out', 'down'],
] as const;

/**
 * face-api's FaceRecognitionNet (the 128-d ResNet ported from dlib) on the same weights,
 * faster:
 *
 * - every layer's conv + bias + scale + shift (four ops, four passes over the activations)
 *   is one fused conv + bias (+ relu) kernel, the scale folded into filters and bias at load;
 * - several faces (and their mirror images) go through the network as one batch.
 *
 * The input preparation is face-api's (centred pad to a square, bilinear resize to 150, mean
 * subtraction); descriptors differ from face-api's by float rounding only.
 */
export class FastDescriptor {
  private readonly tf: Tf;
  private readonly layers = new Map<string, FoldedConv>();
  private readonly fc: tfjs.Tensor2D;
  private readonly mean: tfjs.Tensor4D;

  constructor(private readonly faceapi: FaceApi) {
    this.tf = faceapi.tf;
    const params = (
      faceapi.nets.faceRecognitionNet as unknown as { params?: Record<string, unknown> }
    ).params;
    if (!params) throw new Error('load the face recognition model before creating FastDescriptor');
    const tf = this.tf;
    const fold = (name: string, layer: ScaledConv) => {
      this.layers.set(
        name,
        tf.tidy(() => ({
          filter: tf.mul(layer.conv.filters, layer.scale.weights) as tfjs.Tensor4D,
          bias: tf.add(
            tf.mul(layer.conv.bias, layer.scale.weights),
            layer.scale.biases,
          ) as tfjs.Tensor1D,
        })),
      );
    };
    fold('conv32_down', params.conv32_down as ScaledConv);
    for (const [name] of RESIDUAL_BLOCKS) {
      const block = params[name] as { conv1: ScaledConv; conv2: ScaledConv };
      fold(`${name}/conv1`, block.conv1);
      fold(`${name}/conv2`, block.conv2);
    }
    this.fc = params.fc as tfjs.Tensor2D;
    this.mean = tf.tensor4d([...MEAN_RGB], [1, 1, 1, 3]);
  }

  dispose(): void {
    for (const { filter, bias } of this.layers.values()) {
      filter.dispose();
      bias.dispose();
    }
    this.layers.clear();
    this.mean.dispose();
  }

  /**
   * One 128-d descriptor per face crop (RGB, any size); with `mirror`, each is the mean of the
   * descriptors of the crop and of its mirror image.
   */
  async describe(faces: tfjs.Tensor3D[], mirror: boolean): Promise<Float32Array[]> {
    if (faces.length === 0) return [];
    const tf = this.tf;
    const input = await this.faceapi.toNetInput(faces);
    const output = tf.tidy(() => {
      const batch = tf.cast(
        input.toBatchTensor(DESCRIPTOR_INPUT_SIZE, true),
        'float32',
      ) as tfjs.Tensor4D;
      const both = mirror ? (tf.concat([batch, tf.reverse(batch, 2)], 0) as tfjs.Tensor4D) : batch;
      const x = tf.div(tf.sub(both, this.mean), 255) as tfjs.Tensor4D;
      return this.forward(x);
    });
    const values = await output.data();
    output.dispose();
    const count = faces.length;
    return Array.from({ length: count }, (_, face) => {
      const descriptor = new Float32Array(128);
      for (let i = 0; i < 128; i++) {
        const own = values[face * 128 + i] as number;
        descriptor[i] = mirror ? (own + (values[(face + count) * 128 + i] as number)) / 2 : own;
      }
      return descriptor;
    });
  }

  private conv(
    x: tfjs.Tensor4D,
    name: string,
    stride: 1 | 2,
    relu: boolean,
    pad: 'same' | 'valid' = 'same',
  ): tfjs.Tensor4D {
    const layer = this.layers.get(name)!;
    return this.tf.fused.conv2d({
      x,
      filter: layer.filter,
      strides: [stride, stride],
      pad,
      bias: layer.bias,
      activation: relu ? 'relu' : 'linear',
    });
  }

  private forward(x: tfjs.Tensor4D): tfjs.Tensor2D {
    const tf = this.tf;
    let out = this.conv(x, 'conv32_down', 2, true, 'valid');
    out = tf.maxPool(out, 3, 2, 'valid');
    for (const [name, kind] of RESIDUAL_BLOCKS) {
      if (kind === 'plain') {
        const inner = this.conv(
          this.conv(out, `${name}/conv1`, 1, true),
          `${name}/conv2`,
          1,
          false,
        );
        out = tf.relu(tf.add(inner, out)) as tfjs.Tensor4D;
      } else {
        let inner = this.conv(
          this.conv(out, `${name}/conv1`, 2, true, 'valid'),
          `${name}/conv2`,
          1,
          false,
        );
        let shortcut = tf.avgPool(out, 2, 2, 'valid') as tfjs.Tensor4D;
        if (shortcut.shape[1] !== inner.shape[1] || shortcut.shape[2] !== inner.shape[2]) {
          // face-api pads the block's output with a row and a column of zeros.
          const [batch, rows, columns, channels] = inner.shape;
          inner = tf.concat([inner, tf.zeros([batch, 1, columns, channels]) as tfjs.Tensor4D], 1);
          inner = tf.concat([inner, tf.zeros([batch, rows + 1, 1, channels]) as tfjs.Tensor4D], 2);
        }
        if (shortcut.shape[3] !== inner.shape[3]) {
          shortcut = tf.concat([shortcut, tf.zeros(shortcut.shape) as tfjs.Tensor4D], 3);
        }
        out = tf.relu(tf.add(shortcut, inner)) as tfjs.Tensor4D;
      }
    }
    const pooled = tf.mean(out, [1, 2]) as tfjs.Tensor2D;
    return tf.matMul(pooled, this.fc);
  }
}

/**
 * Where the time goes: CPU per photo of each step from face-api's own chain to the
 * recognizer's pipeline, one thread, the same photos. Explains the throughput ratios.
 */
import { decodeImage, type DecodedImage } from '../../recognizer/decode.js';
import { FacePipeline } from '../../recognizer/face-pipeline.js';
import { FastSsd } from '../../recognizer/fast-ssd.js';
import type { RawImage } from '../../recognizer/inference-protocol.js';
import { loadFaceApi, loadNets } from '../../recognizer/load-face-api.js';
import type { BenchContext, SectionResult } from './context.js';
import { defaultSettings } from './local.js';
import { isLarge, isSmall, lfwPeople, loadPhoto, otherPhotos, type Photo } from './photos.js';
import { cpuMs, fixed, table } from './stats.js';

export async function stages(ctx: BenchContext): Promise<SectionResult> {
  const settings = defaultSettings();
  const faceapi = await loadFaceApi('wasm');
  await loadNets(faceapi, FacePipeline.models('ssd'));
  const detector = {
    detector: 'ssd' as const,
    minDetectionScore: settings.minDetectionScore,
    tinyInputSize: settings.tinyInputSize,
  };
  const single = new FacePipeline(faceapi, detector);
  const mirrored = new FacePipeline(faceapi, { ...detector, mirrorAverage: true });
  const ssd = new FastSsd(faceapi);
  const ssdOptions = { minConfidence: settings.minDetectionScore, maxResults: 100 };
  const faceapiOptions = new faceapi.SsdMobilenetv1Options(ssdOptions);

  const others = await otherPhotos();
  const lfw = [...(await lfwPeople()).values()].flatMap((files) => files.slice(0, 1));
  const sets: Array<[string, Photo[]]> = [
    [
      'small',
      [
        ...others.filter(isSmall),
        ...(await Promise.all(lfw.slice(0, ctx.quick ? 8 : 24).map((file) => loadPhoto(file)))),
      ],
    ],
    ['large', others.filter(isLarge)],
  ];

  const decodeFull = (photo: Photo) =>
    decodeImage(photo.bytes, { maxPixels: settings.maxImagePixels, maxSide: 1 << 30 });
  const decodeOurs = (photo: Photo) =>
    decodeImage(photo.bytes, {
      maxPixels: settings.maxImagePixels,
      maxSide: settings.inferenceMaxSide,
      smallPhotoSide: settings.smallPhotoSide,
      smallPhotoPadding: settings.smallPhotoPadding,
    });
  const tensorOf = (image: RawImage) =>
    faceapi.tf.tensor3d(image.data, [image.height, image.width, 3], 'int32');
  const faceapiChain = async (image: RawImage) => {
    const tensor = tensorOf(image);
    try {
      await faceapi
        .detectAllFaces(tensor, faceapiOptions)
        .withFaceLandmarks()
        .withFaceDescriptors();
    } finally {
      tensor.dispose();
    }
  };
  const detectOnly = async (image: RawImage, fast: boolean) => {
    const tensor = tensorOf(image);
    try {
      if (fast) await ssd.locateFaces(tensor, ssdOptions);
      else await faceapi.nets.ssdMobilenetv1.locateFaces(tensor, faceapiOptions);
    } finally {
      tensor.dispose();
    }
  };

  const steps: Array<{
    name: string;
    prepare: (photo: Photo) => Promise<RawImage>;
    run: (image: RawImage) => Promise<unknown>;
  }> = [
    {
      name: "face-api's chain on the full-size photo (the baseline's inference)",
      prepare: decodeFull,
      run: faceapiChain,
    },
    {
      name: "face-api's chain on the recognizer's decoded image",
      prepare: decodeOurs,
      run: faceapiChain,
    },
    {
      name: "  of which: face-api's SSD detection",
      prepare: decodeOurs,
      run: (image) => detectOnly(image, false),
    },
    {
      name: '  FastSsd detection (fused layers, NMS on arrays)',
      prepare: decodeOurs,
      run: (image) => detectOnly(image, true),
    },
    {
      name: 'FacePipeline, one descriptor per face',
      prepare: decodeOurs,
      run: (image) => single.detect(image),
    },
    {
      name: 'FacePipeline as the recognizer runs it (MIRROR_AVERAGE=small)',
      prepare: decodeOurs,
      run: (image) => single.detect(image, { mirrorAverage: (image as DecodedImage).enlarged }),
    },
    {
      name: 'FacePipeline, every descriptor mirror-averaged (MIRROR_AVERAGE=always)',
      prepare: decodeOurs,
      run: (image) => mirrored.detect(image),
    },
  ];

  const rows: Array<Array<string | number>> = [];
  const data: Record<string, Record<string, number>> = {};
  for (const [set, photos] of sets) {
    ctx.log(`stages: ${set} photos (${photos.length})`);
    data[set] = {};
    // Decoding, timed on its own (the recognizer decodes on the main thread).
    const decode = async (fn: (photo: Photo) => Promise<RawImage>) => {
      const started = cpuMs();
      for (const photo of photos) await fn(photo);
      return (cpuMs() - started) / photos.length;
    };
    data[set]!['decode, full size'] = await decode(decodeFull);
    data[set]!["decode, the recognizer's (scaled, small photos bordered)"] =
      await decode(decodeOurs);
    for (const step of steps) {
      const images = await Promise.all(photos.map((photo) => step.prepare(photo)));
      await step.run(images[0]!); // warm
      const started = cpuMs();
      for (const image of images) await step.run(image);
      data[set]![step.name] = (cpuMs() - started) / images.length;
    }
  }
  const names = Object.keys(data.small ?? {});
  for (const name of names)
    rows.push([name, fixed(data.small?.[name] ?? NaN, 0), fixed(data.large?.[name] ?? NaN, 0)]);
  single.dispose();
  mirrored.dispose();
  ssd.dispose();
  return {
    title: 'Where the time goes (CPU ms per photo, one thread)',
    text: [
      `The same photos through each step in this process's main thread (wasm): small = ${sets[0]![1].length} photos (the fixtures' small ones and ${ctx.quick ? 8 : 24} LFW photos), large = ${sets[1]![1].length} photos.`,
      '',
      table(['step', 'small', 'large'], rows),
    ].join('\n'),
    data,
  };
}

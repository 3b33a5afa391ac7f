import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { decodeDescriptor, encodeDescriptor } from '../lib/db/people-repo.js';
import { AppError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import { createRecognizerClient, type RecognizerClient } from '../lib/recognizer/client.js';
import { recognizerServiceDefinition } from '../lib/recognizer/protocol.js';
import type { Analysis } from './face-analyzer.js';
import { DESCRIPTOR_LENGTH, Gallery } from './gallery.js';
import type { JobHooks } from './inference-pool.js';
import { InferenceError } from './inference-protocol.js';
import { MatchPolicy } from './match-policy.js';
import { NO_FOLDER_ENROLLMENT } from './enroll-folder.js';
import { createRecognizerService, type ServiceState } from './service.js';

const descriptor = (value: number) =>
  Float32Array.from({ length: DESCRIPTOR_LENGTH }, (_, i) => (i === 0 ? value : 0));
const quality = (size: number, sharpness = 0.9) => ({ size, sharpness, yaw: 4, roll: -1 });
/** What the fake analyzer was asked, per inference job. */
const jobs: Array<{ exclusive: boolean }> = [];

/**
 * The fake analyzer answers by the first byte of the image: 0 no face, 1 Ada, 2 a stranger,
 * 3 Ada at 0.5 twice (a large face, a small one), 4 a face too small and one too blurred,
 * 9 a worker crash.
 */
async function fakeAnalyze(
  bytes: Uint8Array,
  _signal?: AbortSignal,
  hooks?: JobHooks,
): Promise<Analysis> {
  if (bytes[0] !== undefined && bytes[0] <= 9) {
    jobs.push({ exclusive: hooks?.exclusive ?? false });
    hooks?.onStarted?.();
  }
  switch (bytes[0]) {
    case 0:
      return { faces: [], width: 10, height: 10 };
    case 1:
      return {
        faces: [
          {
            box: { x: 1, y: 2, width: 3, height: 4 },
            score: 0.9,
            descriptor: descriptor(0.2),
            quality: quality(100),
          },
        ],
        width: 10,
        height: 10,
      };
    case 2:
      return {
        faces: [
          {
            box: { x: 1, y: 2, width: 3, height: 4 },
            score: 0.8,
            descriptor: descriptor(5),
            quality: quality(100),
          },
        ],
        width: 10,
        height: 10,
      };
    case 3:
      return {
        faces: [200, 60].map((size) => ({
          box: { x: 0, y: 0, width: size, height: size },
          score: 0.9,
          descriptor: descriptor(0.5),
          quality: quality(size),
        })),
        width: 400,
        height: 400,
      };
    case 4:
      return {
        faces: [quality(12), quality(200, 0.05)].map((faceQuality) => ({
          box: { x: 0, y: 0, width: faceQuality.size, height: faceQuality.size },
          score: 0.9,
          descriptor: descriptor(0.1),
          quality: faceQuality,
        })),
        width: 400,
        height: 400,
      };
    case 9:
      throw new InferenceError('crashed', 'worker crashed');
    default:
      throw new AppError('CORRUPT_IMAGE', 'the image cannot be decoded: fake');
  }
}

describe('Recognizer service over gRPC (fake inference)', () => {
  let server: grpc.Server;
  let client: RecognizerClient;
  let root: string;
  const state: ServiceState = {
    ready: true,
    backend: 'fake',
    folderEnrollment: { ...NO_FOLDER_ENROLLMENT },
  };
  const gallery = new Gallery([
    {
      personId: 7,
      personName: 'Ada',
      descriptor: new Float32Array(DESCRIPTOR_LENGTH),
      faceSize: 250,
    },
  ]);
  const enrolled: unknown[] = [];
  const policy = new MatchPolicy({
    matchThreshold: 0.44,
    matchThresholdLarge: 0.58,
    smallFaceSize: 80,
    largeFaceSize: 112,
    minFaceSize: 20,
    minFaceSharpness: 0.15,
  });

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-service-'));
    await mkdir(path.join(root, 'door'));
    await writeFile(path.join(root, 'door', 'ada.jpg'), Buffer.from([1]));
    server = new grpc.Server();
    server.addService(
      recognizerServiceDefinition(),
      createRecognizerService({
        state,
        imagesRoot: root,
        maxImageBytes: 1000,
        policy,
        descriptorVersion: 'test descriptors v1',
        minDetectionScore: 0.5,
        detector: 'fake detector (min score 0.5)',
        workers: 2,
        analyze: fakeAnalyze,
        inferences: () => 42,
        gallery: () => gallery,
        reloadGallery: async () => gallery,
        enroller: {
          enroll: async (input) => {
            if (input.personId === 404) throw new AppError('NOT_FOUND', 'no person with id 404');
            enrolled.push(input);
            return {
              personImageId: 5,
              alreadyEnrolled: false,
              personId: input.personId,
              box: { x: 1, y: 2, width: 3, height: 4 },
              score: 0.9,
              quality: quality(100),
            };
          },
        },
        logger: createLogger('test', 'silent'),
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = createRecognizerClient(`127.0.0.1:${port}`, {
      deadlineMs: 5000,
      secret: 'unit-test-secret-0123',
    });
  });
  afterAll(async () => {
    client?.close();
    server?.forceShutdown();
    await rm(root, { recursive: true, force: true });
  });

  it('identifies by path: box, score, match under the threshold and the nearest person', async () => {
    const result = await client.identify({ path: 'door/ada.jpg' });
    expect(result.imageWidth).toBe(10);
    expect(result.faces).toHaveLength(1);
    const face = result.faces[0]!;
    expect(face).toMatchObject({
      box: { x: 1, y: 2, width: 3, height: 4 },
      match: { personId: 7, personName: 'Ada' },
      nearest: { personId: 7 },
    });
    expect(face.match!.distance).toBeCloseTo(0.2, 6);
    expect(face.quality).toEqual(quality(100));
    expect(face.unidentifiable).toBe('');
    expect(face.threshold).toBeCloseTo(0.5275, 6);
    // The descriptor comes back encoded, for the processor to store.
    expect(decodeDescriptor(face.descriptor)).toEqual(descriptor(0.2));
    expect(result).toMatchObject({
      descriptorVersion: 'test descriptors v1',
      matchVersion: policy.version,
    });
  });

  it('holds a large face to a looser threshold than a small one', async () => {
    const [large, small] = (await client.identify({ content: Uint8Array.from([3]) })).faces;
    expect(large).toMatchObject({ match: { personName: 'Ada' }, threshold: 0.58 });
    expect(small).toMatchObject({ match: null, nearest: { personName: 'Ada' }, threshold: 0.44 });
  });

  it('marks faces too small or too blurred as unidentifiable instead of matching them', async () => {
    const faces = (await client.identify({ content: Uint8Array.from([4]) })).faces;
    expect(faces.map((face) => [face.unidentifiable, face.match])).toEqual([
      ['TOO_SMALL', null],
      ['TOO_BLURRED', null],
    ]);
    // Still compared, for diagnostics: the nearest person is known and close.
    expect(faces[0]!.nearest).toMatchObject({ personName: 'Ada' });
  });

  it('re-scores stored descriptors of its own version without inference, and skips others', async () => {
    const { decisions, matchVersion } = await client.rescore([
      {
        id: 11,
        descriptor: encodeDescriptor(descriptor(0.5)),
        quality: quality(200),
        descriptorVersion: 'test descriptors v1',
      },
      {
        id: 12,
        descriptor: encodeDescriptor(descriptor(0.5)),
        quality: quality(60),
        descriptorVersion: 'test descriptors v1',
      },
      {
        id: 13,
        descriptor: encodeDescriptor(descriptor(0.1)),
        quality: quality(200),
        descriptorVersion: 'an older model',
      },
      {
        id: 14,
        descriptor: encodeDescriptor(descriptor(0.1)),
        quality: quality(10),
        descriptorVersion: 'test descriptors v1',
      },
    ]);
    expect(matchVersion).toBe(policy.version);
    expect(decisions).toMatchObject([
      { id: 11, skipped: false, match: { personName: 'Ada' }, unidentifiable: '' },
      { id: 12, skipped: false, match: null, nearest: { personName: 'Ada' } },
      { id: 13, skipped: true, match: null },
      { id: 14, skipped: false, match: null, unidentifiable: 'TOO_SMALL' },
    ]);
  });

  it('reports a stranger with the nearest person but no match, and no faces as an empty list', async () => {
    const stranger = await client.identify({ content: Uint8Array.from([2]) });
    expect(stranger.faces[0]!.match).toBeNull();
    expect(stranger.faces[0]!.nearest).toMatchObject({ personName: 'Ada', distance: 5 });
    expect((await client.identify({ content: Uint8Array.from([0]) })).faces).toEqual([]);
  });

  it.each([
    ['a missing file', { path: 'door/missing.jpg' }, grpc.status.NOT_FOUND, 'FILE_NOT_FOUND'],
    [
      'a path climbing out',
      { path: '../etc/passwd' },
      grpc.status.INVALID_ARGUMENT,
      'PATH_TRAVERSAL',
    ],
    [
      'an absolute path elsewhere',
      { path: '/etc/passwd' },
      grpc.status.INVALID_ARGUMENT,
      'PATH_OUTSIDE_ROOT',
    ],
    ['a directory', { path: 'door' }, grpc.status.INVALID_ARGUMENT, 'PATH_IS_DIRECTORY'],
    ['an empty path', { path: '' }, grpc.status.INVALID_ARGUMENT, 'EMPTY_PATH'],
    [
      'empty bytes',
      { content: new Uint8Array(0) },
      grpc.status.INVALID_ARGUMENT,
      'INVALID_REQUEST',
    ],
    [
      'undecodable bytes',
      { content: Uint8Array.from([7]) },
      grpc.status.INVALID_ARGUMENT,
      'CORRUPT_IMAGE',
    ],
    [
      'too many bytes',
      { content: new Uint8Array(2000) },
      grpc.status.INVALID_ARGUMENT,
      'IMAGE_TOO_LARGE',
    ],
  ] as const)('refuses %s', async (_label, image, status, code) => {
    await expect(client.identify(image)).rejects.toMatchObject({
      grpcCode: status,
      errorCode: code,
      retryable: false,
    });
  });

  it('answers a worker crash as retryable UNAVAILABLE INFERENCE_CRASHED, after inference-started', async () => {
    await expect(client.identify({ content: Uint8Array.from([9]) })).rejects.toMatchObject({
      grpcCode: grpc.status.UNAVAILABLE,
      errorCode: 'INFERENCE_CRASHED',
      fromServer: true,
      inferenceStarted: true,
      retryable: true,
    });
  });

  it('passes an exclusive request on to the inference job', async () => {
    jobs.length = 0;
    await client.identify({ path: 'door/ada.jpg' }, { exclusive: true });
    await client.identify({ path: 'door/ada.jpg' });
    expect(jobs).toEqual([{ exclusive: true }, { exclusive: false }]);
  });

  it('enrolls with the relative path as image name, and validates the person', async () => {
    const result = await client.enroll({ personId: 3, image: { path: 'door/ada.jpg' } });
    expect(result).toEqual({
      personImageId: 5,
      alreadyEnrolled: false,
      box: { x: 1, y: 2, width: 3, height: 4 },
      score: 0.9,
      quality: quality(100),
    });
    expect(enrolled.at(-1)).toMatchObject({ personId: 3, imageName: 'door/ada.jpg' });
    await expect(
      client.enroll({ personId: 0, image: { path: 'door/ada.jpg' } }),
    ).rejects.toMatchObject({ errorCode: 'INVALID_REQUEST' });
    await expect(
      client.enroll({ personId: 404, image: { path: 'door/ada.jpg' } }),
    ).rejects.toMatchObject({
      grpcCode: grpc.status.FAILED_PRECONDITION,
      errorCode: 'NOT_FOUND',
    });
  });

  it('describes itself and refreshes the gallery', async () => {
    await expect(client.describe()).resolves.toMatchObject({
      backend: 'fake',
      detector: 'fake detector (min score 0.5)',
      workers: 2,
      galleryDescriptors: 1,
      galleryPeople: 1,
      inferences: 42,
      ready: true,
    });
    await expect(client.refreshGallery()).resolves.toEqual({ descriptors: 1, people: 1 });
  });

  it('refuses with RECOGNIZER_STARTING while not ready, and RECOGNIZER_SHUTTING_DOWN once stopping', async () => {
    state.ready = false;
    try {
      await expect(client.identify({ path: 'door/ada.jpg' })).rejects.toMatchObject({
        grpcCode: grpc.status.UNAVAILABLE,
        errorCode: 'RECOGNIZER_STARTING',
        fromServer: true,
        inferenceStarted: false,
        retryable: true,
      });
      state.stopping = true;
      await expect(client.identify({ path: 'door/ada.jpg' })).rejects.toMatchObject({
        grpcCode: grpc.status.UNAVAILABLE,
        errorCode: 'RECOGNIZER_SHUTTING_DOWN',
        fromServer: true,
        inferenceStarted: false,
      });
      state.stopping = false;
      await expect(client.describe()).resolves.toMatchObject({ ready: false });
    } finally {
      state.ready = true;
    }
  });
});

describe('Recognizer service: a process lost during inference (fault switch)', () => {
  let server: grpc.Server;
  let client: RecognizerClient;
  let root: string;
  const crashes: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-service-crash-'));
    await mkdir(path.join(root, 'door'));
    await writeFile(path.join(root, 'door', 'boom-1.jpg'), Buffer.from([1]));
    await writeFile(path.join(root, 'door', 'fine.jpg'), Buffer.from([0]));
    server = new grpc.Server();
    server.addService(
      recognizerServiceDefinition(),
      createRecognizerService({
        state: { ready: true, backend: 'fake', folderEnrollment: { ...NO_FOLDER_ENROLLMENT } },
        imagesRoot: root,
        maxImageBytes: 1000,
        policy: new MatchPolicy({
          matchThreshold: 0.44,
          matchThresholdLarge: 0.58,
          smallFaceSize: 80,
          largeFaceSize: 112,
          minFaceSize: 20,
          minFaceSharpness: 0.15,
        }),
        descriptorVersion: 'test descriptors v1',
        minDetectionScore: 0.5,
        detector: 'fake',
        workers: 1,
        // Inference that never ends: the "process" dies during it.
        analyze: async (bytes, signal, hooks) => {
          hooks?.onStarted?.();
          if (bytes[0] === 0) return { faces: [], width: 1, height: 1 };
          return new Promise<never>((_, reject) =>
            signal?.addEventListener('abort', () => reject(new Error('aborted'))),
          );
        },
        faultCrashPath: 'boom',
        // The real switch SIGKILLs the process; here the server drops every connection.
        crashProcess: () => {
          crashes.push('crash');
          server.forceShutdown();
        },
        inferences: () => 0,
        gallery: () => new Gallery([]),
        reloadGallery: async () => new Gallery([]),
        enroller: { enroll: async () => Promise.reject(new Error('unused')) },
        logger: createLogger('test', 'silent'),
      }),
    );
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    client = createRecognizerClient(`127.0.0.1:${port}`, {
      deadlineMs: 5000,
      secret: 'unit-test-secret-0123',
    });
  });
  afterAll(async () => {
    client?.close();
    server?.forceShutdown();
    await rm(root, { recursive: true, force: true });
  });

  it('leaves other paths alone, and on a matching one the call ends without a code after inference-started', async () => {
    await expect(client.identify({ path: 'door/fine.jpg' })).resolves.toMatchObject({ faces: [] });
    expect(crashes).toEqual([]);
    const error = await client.identify({ path: 'door/boom-1.jpg' }).catch((e: unknown) => e);
    expect(crashes).toEqual(['crash']);
    // A forced shutdown cancels the stream (CANCELLED); a killed process drops the connection
    // (UNAVAILABLE, test/integration/recognizer-faults.test.ts). Neither carries a code.
    expect(error).toMatchObject({
      fromServer: false,
      inferenceStarted: true,
      retryable: true,
    });
  });
});

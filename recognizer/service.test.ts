import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { AppError } from '../lib/errors.js';
import { createLogger } from '../lib/logger.js';
import {
  createRecognizerClient,
  recognizerServiceDefinition,
  type RecognizerClient,
} from '../lib/recognizer-client.js';
import type { Analysis } from './face-analyzer.js';
import { DESCRIPTOR_LENGTH, Gallery } from './gallery.js';
import { InferenceError } from './inference-protocol.js';
import { NO_FOLDER_ENROLLMENT } from './enroll-folder.js';
import { createRecognizerService, type ServiceState } from './service.js';

/** The fake analyzer answers by the first byte of the image: 0 no face, 1 Ada, 2 a stranger, 9 a worker crash. */
async function fakeAnalyze(bytes: Uint8Array): Promise<Analysis> {
  const descriptor = (value: number) =>
    Float32Array.from({ length: DESCRIPTOR_LENGTH }, (_, i) => (i === 0 ? value : 0));
  switch (bytes[0]) {
    case 0:
      return { faces: [], width: 10, height: 10 };
    case 1:
      return {
        faces: [
          { box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.9, descriptor: descriptor(0.2) },
        ],
        width: 10,
        height: 10,
      };
    case 2:
      return {
        faces: [
          { box: { x: 1, y: 2, width: 3, height: 4 }, score: 0.8, descriptor: descriptor(5) },
        ],
        width: 10,
        height: 10,
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
    { personId: 7, personName: 'Ada', descriptor: new Float32Array(DESCRIPTOR_LENGTH) },
  ]);
  const enrolled: unknown[] = [];

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
        matchThreshold: 0.6,
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

  it('answers a worker crash as retryable UNAVAILABLE', async () => {
    await expect(client.identify({ content: Uint8Array.from([9]) })).rejects.toMatchObject({
      grpcCode: grpc.status.UNAVAILABLE,
      errorCode: 'RECOGNIZER_UNAVAILABLE',
      retryable: true,
    });
  });

  it('enrolls with the relative path as image name, and validates the person', async () => {
    const result = await client.enroll({ personId: 3, image: { path: 'door/ada.jpg' } });
    expect(result).toEqual({
      personImageId: 5,
      alreadyEnrolled: false,
      box: { x: 1, y: 2, width: 3, height: 4 },
      score: 0.9,
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

  it('answers UNAVAILABLE while not ready', async () => {
    state.ready = false;
    try {
      await expect(client.identify({ path: 'door/ada.jpg' })).rejects.toMatchObject({
        grpcCode: grpc.status.UNAVAILABLE,
        errorCode: 'RECOGNIZER_UNAVAILABLE',
        retryable: true,
      });
      await expect(client.describe()).resolves.toMatchObject({ ready: false });
    } finally {
      state.ready = true;
    }
  });
});

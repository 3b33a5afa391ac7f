import { createLogger } from '../lib/logger.js';
import { contentHash, Enroller, type EnrollmentRepository } from './enroller.js';
import type { Analysis } from './face-analyzer.js';

const face = (score = 0.9, quality = { size: 120, sharpness: 0.9, yaw: 5, roll: 1 }) => ({
  box: { x: 1, y: 2, width: 3, height: 4 },
  score,
  descriptor: new Float32Array(128).fill(0.5),
  quality,
});

const limits = { minFaceSize: 40, minSharpness: 0.25, maxYaw: 45 };

function setup(
  analysis: Analysis,
  stored: Map<string, { id: number; personId: number }> = new Map(),
) {
  const calls = { analyze: 0, reloads: 0, added: [] as unknown[] };
  const people: EnrollmentRepository = {
    get: async (id) => (id === 1 ? { id: 1, name: 'Ada', createdAt: '' } : undefined),
    findPersonImageByHash: async (hash) => stored.get(hash),
    addPersonImage: async (input) => {
      calls.added.push(input);
      stored.set(input.contentHash, { id: 10 + stored.size, personId: input.personId });
      return { id: 9 + stored.size, alreadyEnrolled: false };
    },
  };
  const enroller = new Enroller({
    people,
    analyze: async () => {
      calls.analyze += 1;
      return analysis;
    },
    onEnrolled: async () => {
      calls.reloads += 1;
    },
    logger: createLogger('test', 'silent'),
    quality: limits,
  });
  return { enroller, calls, stored };
}

const bytes = new Uint8Array([1, 2, 3]);

describe('Enroller', () => {
  it('stores the descriptor of the single face and reloads the gallery', async () => {
    const { enroller, calls } = setup({ faces: [face()], width: 10, height: 10 });
    const outcome = await enroller.enroll({ personId: 1, bytes, imageName: 'ada.jpg' });
    expect(outcome).toMatchObject({
      alreadyEnrolled: false,
      personId: 1,
      box: { x: 1 },
      score: 0.9,
    });
    expect(calls.added).toEqual([
      {
        personId: 1,
        imageName: 'ada.jpg',
        contentHash: contentHash(bytes),
        descriptor: expect.any(Float32Array),
        faceSize: 120,
        storedPath: null,
        // Where the face is: the results page cuts the person's face from it.
        box: { x: 1, y: 2, width: 3, height: 4 },
      },
    ]);
    expect(calls.reloads).toBe(1);
  });

  it('records the photo as facetrail’s own only when it lies in its enrollment folder', async () => {
    const { enroller, calls } = setup({ faces: [face()], width: 10, height: 10 });
    await enroller.enroll({
      personId: 1,
      bytes,
      imageName: 'abc.jpg',
      sourcePath: 'enrollments/1/abc.jpg',
    });
    await enroller.enroll({
      personId: 1,
      bytes: new Uint8Array([9]),
      imageName: 'b.jpg',
      sourcePath: 'known/b.jpg',
    });
    expect(calls.added.map((added) => (added as { storedPath: string | null }).storedPath)).toEqual(
      ['enrollments/1/abc.jpg', null],
    );
  });

  it('answers a photo already stored from the database without inference', async () => {
    const { enroller, calls } = setup(
      { faces: [face()], width: 10, height: 10 },
      new Map([[contentHash(bytes), { id: 4, personId: 1 }]]),
    );
    await expect(
      enroller.enroll({ personId: 1, bytes, imageName: 'again.jpg' }),
    ).resolves.toMatchObject({ personImageId: 4, alreadyEnrolled: true });
    expect(calls.analyze).toBe(0);
    expect(calls.reloads).toBe(0);
  });

  it('refuses a photo without a face, or with several', async () => {
    await expect(
      setup({ faces: [], width: 1, height: 1 }).enroller.enroll({
        personId: 1,
        bytes,
        imageName: 'x',
      }),
    ).rejects.toMatchObject({
      code: 'NO_FACE',
    });
    const several = setup({ faces: [face(), face(0.7)], width: 1, height: 1 });
    await expect(
      several.enroller.enroll({ personId: 1, bytes, imageName: 'group.jpg' }),
    ).rejects.toMatchObject({
      code: 'MULTIPLE_FACES',
      details: { faces: 2 },
    });
    expect(several.calls.added).toEqual([]);
  });

  it.each([
    [
      'too small',
      { size: 39, sharpness: 0.9, yaw: 0, roll: 0 },
      'FACE_TOO_SMALL',
      /39 px.*at least 40 px/,
    ],
    ['too blurred', { size: 200, sharpness: 0.2, yaw: 0, roll: 0 }, 'FACE_TOO_BLURRED', /blurred/],
    ['turned away', { size: 200, sharpness: 0.9, yaw: -50, roll: 0 }, 'FACE_NOT_FRONTAL', /50°/],
  ])(
    'refuses a face %s to enroll, saying why, and stores nothing',
    async (_label, quality, code, message) => {
      const { enroller, calls } = setup({ faces: [face(0.9, quality)], width: 400, height: 400 });
      const refusal = enroller.enroll({ personId: 1, bytes, imageName: 'poor.jpg' });
      await expect(refusal).rejects.toMatchObject({ code, status: 422, details: { quality } });
      await expect(refusal).rejects.toThrow(message);
      expect(calls.added).toEqual([]);
    },
  );

  it('enrolls a face just inside every limit', async () => {
    const quality = { size: 40, sharpness: 0.25, yaw: 45, roll: 30 };
    const { enroller } = setup({ faces: [face(0.9, quality)], width: 400, height: 400 });
    await expect(
      enroller.enroll({ personId: 1, bytes, imageName: 'ok.jpg' }),
    ).resolves.toMatchObject({ alreadyEnrolled: false, quality });
  });

  it('refuses an unknown person before looking at the photo', async () => {
    const { enroller, calls } = setup({ faces: [face()], width: 1, height: 1 });
    await expect(enroller.enroll({ personId: 2, bytes, imageName: 'x' })).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    expect(calls.analyze).toBe(0);
  });
});

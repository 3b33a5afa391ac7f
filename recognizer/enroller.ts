import { createHash } from 'node:crypto';
import { AppError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { PeopleRepository } from '../lib/db/people-repo.js';
import type { FaceQuality } from '../lib/recognizer/protocol.js';
import { isStoredByFacetrail } from '../lib/privacy/stored-files.js';
import type { Box } from './inference-protocol.js';
import type { Analysis } from './face-analyzer.js';

export type EnrollmentRepository = Pick<
  PeopleRepository,
  'get' | 'findPersonImageByHash' | 'addPersonImage'
>;

export interface EnrollmentOutcome {
  personImageId: number;
  /** The same photo (by content hash) was stored before: nothing new, no inference ran. */
  alreadyEnrolled: boolean;
  /** The person the stored photo belongs to (differs from the request if enrolled under someone else). */
  personId: number;
  box: Box | undefined;
  score: number | undefined;
  quality: FaceQuality | undefined;
}

/** What an enrollment photo's face must at least be: it sets the person's descriptor for good. */
export interface EnrollmentQuality {
  /** Shorter side of the face's box, in pixels of the photo. */
  minFaceSize: number;
  minSharpness: number;
  /** Largest head turn, in degrees. */
  maxYaw: number;
}

/** Why a face is too poor to enroll, as an AppError; undefined when it is good enough. */
export function enrollmentRefusal(
  quality: FaceQuality,
  limits: EnrollmentQuality,
  imageName: string,
): AppError | undefined {
  const details = { quality };
  if (quality.size < limits.minFaceSize)
    return new AppError(
      'FACE_TOO_SMALL',
      `the face on "${imageName}" is ${quality.size} px; enroll a photo where it is at least ${limits.minFaceSize} px`,
      details,
    );
  if (quality.sharpness < limits.minSharpness)
    return new AppError(
      'FACE_TOO_BLURRED',
      `the face on "${imageName}" is too blurred (sharpness ${quality.sharpness.toFixed(2)}, at least ${limits.minSharpness} needed); enroll a sharper photo`,
      details,
    );
  if (Math.abs(quality.yaw) > limits.maxYaw)
    return new AppError(
      'FACE_NOT_FRONTAL',
      `the face on "${imageName}" is turned ${Math.round(Math.abs(quality.yaw))}° from the camera (at most ${limits.maxYaw}°); enroll a photo facing it`,
      details,
    );
  return undefined;
}

export interface EnrollerDependencies {
  people: EnrollmentRepository;
  analyze(bytes: Uint8Array, signal?: AbortSignal): Promise<Analysis>;
  /** Called after a new descriptor was stored (reload the local gallery). */
  onEnrolled(): Promise<unknown>;
  logger: Logger;
  /** Faces below these are refused; default: any face. */
  quality?: EnrollmentQuality;
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Stores the descriptor of the one face on a photo of a known person. A photo whose sha256
 * is already stored is answered from the database without inference (fast restarts of the
 * folder enrollment, idempotent retries); a photo with no face or several is refused.
 */
export class Enroller {
  constructor(private readonly deps: EnrollerDependencies) {}

  async enroll(
    input: {
      personId: number;
      bytes: Uint8Array;
      imageName: string;
      /** Where the photo was read, relative to IMAGES_ROOT (absent for bytes sent in the call). */
      sourcePath?: string | undefined;
    },
    signal?: AbortSignal,
  ): Promise<EnrollmentOutcome> {
    const person = await this.deps.people.get(input.personId);
    if (!person)
      throw new AppError(
        'NOT_FOUND',
        `no person with id ${input.personId}; create the person first`,
      );
    const hash = contentHash(input.bytes);
    const existing = await this.deps.people.findPersonImageByHash(hash);
    if (existing) {
      if (existing.personId !== input.personId) {
        this.deps.logger.warn(
          { personId: input.personId, enrolledFor: existing.personId, imageName: input.imageName },
          'this photo is already enrolled for another person; nothing stored',
        );
      }
      return {
        personImageId: existing.id,
        alreadyEnrolled: true,
        personId: existing.personId,
        box: undefined,
        score: undefined,
        quality: undefined,
      };
    }
    const analysis = await this.deps.analyze(input.bytes, signal);
    if (analysis.faces.length === 0) {
      throw new AppError(
        'NO_FACE',
        `no face was found on "${input.imageName}"; enroll a photo showing the face of ${person.name}`,
      );
    }
    if (analysis.faces.length > 1) {
      throw new AppError(
        'MULTIPLE_FACES',
        `"${input.imageName}" shows ${analysis.faces.length} faces; enroll a photo of ${person.name} alone`,
        { faces: analysis.faces.length },
      );
    }
    const face = analysis.faces[0]!;
    const refusal =
      this.deps.quality && enrollmentRefusal(face.quality, this.deps.quality, input.imageName);
    if (refusal) throw refusal;
    const stored = await this.deps.people.addPersonImage({
      personId: input.personId,
      imageName: input.imageName,
      contentHash: hash,
      descriptor: face.descriptor,
      faceSize: face.quality.size,
      // A photo in facetrail's own enrollment folder is deleted with the person.
      storedPath:
        input.sourcePath && isStoredByFacetrail(input.sourcePath) ? input.sourcePath : null,
      // Kept for the person's face crop on the results page.
      box: face.box,
    });
    if (!stored.alreadyEnrolled) await this.deps.onEnrolled();
    this.deps.logger.info(
      {
        personId: input.personId,
        personName: person.name,
        imageName: input.imageName,
        personImageId: stored.id,
        score: face.score,
      },
      stored.alreadyEnrolled ? 'photo was enrolled concurrently' : 'photo enrolled',
    );
    return {
      personImageId: stored.id,
      alreadyEnrolled: stored.alreadyEnrolled,
      personId: input.personId,
      box: face.box,
      score: face.score,
      quality: face.quality,
    };
  }
}

import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { AuditRepository } from '../../lib/db/audit-repo.js';
import type { FacesRepository } from '../../lib/db/faces-repo.js';
import { decodeDescriptor, type PeopleRepository } from '../../lib/db/people-repo.js';
import type { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createPerson } from '../../lib/enrollment.js';
import { AppError } from '../../lib/errors.js';
import { resolveImagePath } from '../../lib/image-paths.js';
import type { Logger } from '../../lib/logger.js';
import { ENROLLMENTS_DIR } from '../../lib/privacy/stored-files.js';
import type { RecognizerClient } from '../../lib/recognizer/client.js';
import { rescoreFaces, type RescoreSummary } from '../../lib/rescore.js';
import type { Flash } from './pages/layout.js';
import type { Actor } from './people-actions.js';
import type { Box } from '../../lib/box.js';

export interface FaceActionDeps {
  faces: FacesRepository;
  people: PeopleRepository;
  privacy: PrivacyRepository;
  audit: AuditRepository;
  /** Undefined when the frontend cannot reach the recognizer (no RECOGNIZER_SECRET). */
  recognizer: Pick<RecognizerClient, 'rescore' | 'refreshGallery'> | undefined;
  imagesRoot: string;
  logger: Logger;
}

/** The margin kept around a face in its enrollment crop, as a share of the box. */
const CROP_MARGIN = 0.4;

function recognizerOf(deps: FaceActionDeps) {
  if (!deps.recognizer)
    throw new AppError(
      'RECOGNIZER_UNAVAILABLE',
      'corrections from the page are off: the frontend has no RECOGNIZER_SECRET',
    );
  return deps.recognizer;
}

/**
 * The face cut out of its photo (with a margin), as the enrollment photo the person's page shows
 * and forgetting deletes; and where the face lies in that crop.
 */
async function cropFace(imagesRoot: string, imagePath: string, box: Box) {
  const { absolute } = await resolveImagePath(imagesRoot, imagePath);
  const upright = sharp(absolute, { limitInputPixels: 100_000_000 }).rotate();
  const { data, info } = await upright
    .clone()
    .raw()
    .toBuffer({ resolveWithObject: true })
    .catch(() => {
      throw new AppError('CORRUPT_IMAGE', 'the photo of this face cannot be decoded any more');
    });
  const marginX = Math.round(box.width * CROP_MARGIN);
  const marginY = Math.round(box.height * CROP_MARGIN);
  const left = Math.max(0, Math.round(box.x) - marginX);
  const top = Math.max(0, Math.round(box.y) - marginY);
  const width = Math.min(info.width - left, Math.round(box.width) + 2 * marginX);
  const height = Math.min(info.height - top, Math.round(box.height) + 2 * marginY);
  if (width <= 0 || height <= 0)
    throw new AppError('INVALID_REQUEST', 'the face lies outside its photo');
  const bytes = await sharp(data, { raw: info })
    .extract({ left, top, width, height })
    .jpeg({ quality: 90 })
    .toBuffer();
  return {
    bytes,
    box: { x: box.x - left, y: box.y - top, width: box.width, height: box.height },
  };
}

/**
 * "This is …": the face's stored descriptor becomes an enrollment of the named person (an
 * existing one, or a new one of that name), with the face cut out of the photo as its picture.
 * The recognizers reload their gallery, and the photo's faces are decided again against it.
 */
export async function assignFace(
  deps: FaceActionDeps,
  actor: Actor,
  faceId: number,
  name: unknown,
): Promise<{ imageId: number; personId: number; flash: Flash[] }> {
  const recognizer = recognizerOf(deps);
  const face = await deps.faces.forAssignment(faceId);
  if (!face) throw new AppError('NOT_FOUND', `no face with id ${faceId}`);
  if (!face.descriptor)
    throw new AppError(
      'FACE_NOT_REPLAYABLE',
      'this face was recognised before facetrail kept face descriptors; submit the photo again',
    );
  const wanted = typeof name === 'string' ? name.trim() : '';
  const existing = wanted ? await deps.people.findByName(wanted) : undefined;
  const person =
    existing ??
    (await createPerson({ people: deps.people, privacy: deps.privacy }, { name: wanted }));

  const crop = await cropFace(deps.imagesRoot, face.imagePath, face.box);
  const hash = createHash('sha256').update(crop.bytes).digest('hex');
  const storedPath = path.posix.join(ENROLLMENTS_DIR, String(person.id), `${hash}.jpg`);
  const absolute = path.join(deps.imagesRoot, storedPath);
  await mkdir(path.dirname(absolute), { recursive: true });
  await writeFile(absolute, crop.bytes, { flag: 'w' });
  const enrolled = await deps.people.addPersonImage({
    personId: person.id,
    imageName: `face-${face.id}.jpg`,
    contentHash: hash,
    descriptor: decodeDescriptor(face.descriptor),
    ...(face.qualitySize === null ? {} : { faceSize: face.qualitySize }),
    storedPath,
    box: crop.box,
  });
  await recognizer.refreshGallery();
  const rescored = await rescoreFaces(
    { faces: deps.faces, recognizer },
    { imageIds: [face.imageId] },
  );
  await deps.audit.record({
    actor,
    action: 'face.assign',
    personId: person.id,
    imageId: face.imageId,
    details: { faceId: face.id, name: person.name, created: !existing },
  });
  deps.logger.info(
    { faceId, personId: person.id, imageId: face.imageId, changed: rescored.changed },
    'face assigned',
  );
  return {
    imageId: face.imageId,
    personId: person.id,
    flash: [
      {
        kind: 'notice',
        text: `${existing ? '' : `${person.name} is a new person. `}This face is now an enrollment photo of ${person.name}${enrolled.alreadyEnrolled ? ' (it was already)' : ''}. Re-score recent photos to find them on others.`,
      },
    ],
  };
}

/** How far back the page's re-score reaches, in days. */
export const RESCORE_WINDOWS = [1, 7, 30] as const;

/**
 * Decides the stored faces of recent photos again against today's gallery, everyone's or as far
 * as one person is concerned, without running inference.
 */
export async function rescoreRecent(
  deps: FaceActionDeps,
  actor: Actor,
  input: { days: unknown; personId?: number | undefined; now: Date },
): Promise<{ summary: RescoreSummary; flash: Flash[] }> {
  const recognizer = recognizerOf(deps);
  // "all": every stored face (the recognizer decides them in batches of 500).
  const days = input.days === 'all' ? undefined : Number(input.days);
  if (days !== undefined && !RESCORE_WINDOWS.includes(days as (typeof RESCORE_WINDOWS)[number]))
    throw new AppError(
      'INVALID_REQUEST',
      `re-score the last ${RESCORE_WINDOWS.join(', ')} days, or all`,
    );
  const summary = await rescoreFaces(
    { faces: deps.faces, recognizer },
    {
      ...(days === undefined ? {} : { since: new Date(input.now.getTime() - days * 86_400_000) }),
      ...(input.personId === undefined ? {} : { personId: input.personId }),
    },
  );
  await deps.audit.record({
    actor,
    action: 'images.rescore',
    personId: input.personId ?? null,
    details: {
      days: days ?? 'all',
      examined: summary.examined,
      changed: summary.changed,
      matched: summary.matched,
      unmatched: summary.unmatched,
    },
  });
  return {
    summary,
    flash: [
      {
        kind: 'notice',
        text: `Re-scored ${summary.examined} face(s) ${days === undefined ? 'of every photo' : `from the last ${days} day(s)`}: ${summary.matched} newly recognised, ${summary.unmatched} no longer, on ${summary.images.length} photo(s).`,
      },
    ],
  };
}

import type { Logger } from '../logger.js';
import type { PrivacyRepository } from '../db/privacy-repo.js';
import { isStoredByFacetrail, removeStoredFile } from './stored-files.js';

export interface RetentionPolicy {
  /** Every final result older than this goes; 0 keeps results for ever. */
  retentionHours: number;
  /** Final results with no known person on them older than this go; 0: only retentionHours applies. */
  retentionUnknownHours: number;
  /** Also delete files cameras dropped under IMAGES_ROOT (not only facetrail's uploads). */
  deleteCameraFiles: boolean;
}

export interface PurgeDeps {
  privacy: PrivacyRepository;
  imagesRoot: string;
  policy: RetentionPolicy;
  logger: Logger;
  now?: () => Date;
  /** Rows per transaction: small enough that no batch holds locks for long. */
  batchSize?: number;
}

export interface PurgeResult {
  images: number;
  files: number;
  batches: number;
}

const HOUR_MS = 3_600_000;

/**
 * Deletes final results past their retention, in batches of short transactions, oldest first,
 * until none is left. Files go before their rows: a crash in between leaves a row whose file
 * is gone (purged again next time), never a photo nobody knows about.
 */
export async function purgeExpired(deps: PurgeDeps): Promise<PurgeResult> {
  const now = (deps.now ?? (() => new Date()))().getTime();
  const { retentionHours, retentionUnknownHours, deleteCameraFiles } = deps.policy;
  const before = retentionHours > 0 ? new Date(now - retentionHours * HOUR_MS) : undefined;
  const unknownBefore =
    retentionUnknownHours > 0 ? new Date(now - retentionUnknownHours * HOUR_MS) : undefined;
  const limit = deps.batchSize ?? 500;
  const result: PurgeResult = { images: 0, files: 0, batches: 0 };
  for (;;) {
    const expired = await deps.privacy.findExpired({ before, unknownBefore, limit });
    if (expired.length === 0) break;
    const ids = expired.map((image) => image.id);
    const kept = new Set<number>();
    for (const image of expired) {
      const ours = isStoredByFacetrail(image.path);
      if (!ours && !deleteCameraFiles) continue;
      // Two rows may name one camera file; it goes with the last of them.
      if (!ours && (await deps.privacy.pathInUse(image.path, ids))) continue;
      try {
        if (await removeStoredFile(deps.imagesRoot, image.path)) result.files++;
      } catch (error) {
        // Keep the row, so the photo is not left behind unknown; the next run tries again.
        kept.add(image.id);
        deps.logger.error({ err: error, path: image.path }, 'could not delete an expired photo');
      }
    }
    result.images += await deps.privacy.deleteImages(ids.filter((id) => !kept.has(id)));
    result.batches++;
    if (expired.length < limit || kept.size > 0) break;
  }
  if (result.images > 0) deps.logger.info(result, 'expired results purged');
  return result;
}

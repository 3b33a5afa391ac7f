import { createHash } from 'node:crypto';
import type { Db } from './connect.js';

/**
 * The tombstone of a name: SHA-256 of the name, NFKC-normalised, trimmed and lower-cased (the
 * database compares names without case), so that the tombstone itself names nobody.
 */
export function nameTombstone(name: string): string {
  return createHash('sha256').update(name.normalize('NFKC').trim().toLowerCase()).digest('hex');
}

export interface ForgottenPerson {
  id: number;
  name: string;
  /** Enrollment photos facetrail wrote (relative to IMAGES_ROOT), to delete from disk. */
  storedPaths: string[];
  /** Faces on photos that now count as unknown. */
  facesUnmatched: number;
}

export interface ExpiredImage {
  id: number;
  path: string;
}

/** The deletes of forgetting and retention, each in short transactions. */
export class PrivacyRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Removes a person, their descriptors and enrollment records, and leaves a tombstone; faces
   * matched to them become unknown. Undefined when there is no such person.
   */
  async forgetPerson(id: number): Promise<ForgottenPerson | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const person = await trx
        .selectFrom('person')
        .select(['id', 'name'])
        .where('id', '=', id)
        .executeTakeFirst();
      if (!person) return undefined;
      const stored = await trx
        .selectFrom('person_images')
        .select('stored_path')
        .where('person_id', '=', id)
        .where('stored_path', 'is not', null)
        .execute();
      const unmatched = await trx
        .updateTable('faces')
        .set({ person_id: null, distance: null })
        .where('person_id', '=', id)
        .executeTakeFirst();
      await trx.deleteFrom('person_images').where('person_id', '=', id).execute();
      await trx.deleteFrom('person').where('id', '=', id).execute();
      // The audit log keeps that something was done, not to whom by name.
      await trx
        .updateTable('audit_log')
        .set({ details: null })
        .where('person_id', '=', id)
        .execute();
      const hash = nameTombstone(person.name);
      await trx.deleteFrom('forgotten_people').where('name_hash', '=', hash).execute();
      await trx
        .insertInto('forgotten_people')
        .values({ name_hash: hash, forgotten_at: this.now() })
        .execute();
      return {
        id: Number(person.id),
        name: person.name,
        storedPaths: stored.flatMap((row) => (row.stored_path ? [row.stored_path] : [])),
        facesUnmatched: Number(unmatched.numUpdatedRows),
      };
    });
  }

  /** True when a person of this name was forgotten (folder enrollment must skip them). */
  async isForgotten(name: string): Promise<boolean> {
    const row = await this.db
      .selectFrom('forgotten_people')
      .select('name_hash')
      .where('name_hash', '=', nameTombstone(name))
      .executeTakeFirst();
    return row !== undefined;
  }

  /** An admin enrolling the name again on purpose lifts its tombstone. */
  async clearTombstone(name: string): Promise<void> {
    await this.db
      .deleteFrom('forgotten_people')
      .where('name_hash', '=', nameTombstone(name))
      .execute();
  }

  /** Removes an image and its faces; its path, or undefined when there was no such image. */
  async deleteImage(id: number): Promise<{ path: string } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('images')
        .select('path')
        .where('id', '=', id)
        .executeTakeFirst();
      if (!row) return undefined;
      await trx.deleteFrom('faces').where('image_id', '=', id).execute();
      await trx.deleteFrom('images').where('id', '=', id).execute();
      return { path: row.path };
    });
  }

  /**
   * Final images past their retention, oldest first: every one received before `before`,
   * and those with no known person on them received before `unknownBefore`. Unfinished images
   * are never purged (they still owe a final status).
   */
  async findExpired(options: {
    before: Date | undefined;
    unknownBefore: Date | undefined;
    limit: number;
  }): Promise<ExpiredImage[]> {
    const { before, unknownBefore } = options;
    if (!before && !unknownBefore) return [];
    const rows = await this.db
      .selectFrom('images')
      .select(['images.id', 'images.path'])
      .where('images.status', 'in', ['PROCESSED', 'FAILED'])
      .where((eb) => {
        const clauses = [];
        if (before) clauses.push(eb('images.created_at', '<', before));
        if (unknownBefore) {
          clauses.push(
            eb.and([
              eb('images.created_at', '<', unknownBefore),
              eb.not(
                eb.exists(
                  eb
                    .selectFrom('faces')
                    .select('faces.id')
                    .whereRef('faces.image_id', '=', 'images.id')
                    .where('faces.person_id', 'is not', null),
                ),
              ),
            ]),
          );
        }
        return eb.or(clauses);
      })
      .orderBy('images.created_at')
      .orderBy('images.id')
      .limit(options.limit)
      .execute();
    return rows.map((row) => ({ id: Number(row.id), path: row.path }));
  }

  /** Deletes these images and their faces in one short transaction; how many went. */
  async deleteImages(ids: number[]): Promise<number> {
    if (ids.length === 0) return 0;
    return this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('faces').where('image_id', 'in', ids).execute();
      const result = await trx.deleteFrom('images').where('id', 'in', ids).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  }

  /** Whether any image other than `exceptIds` still refers to this file. */
  async pathInUse(path: string, exceptIds: number[]): Promise<boolean> {
    let query = this.db.selectFrom('images').select('id').where('path', '=', path).limit(1);
    if (exceptIds.length > 0) query = query.where('id', 'not in', exceptIds);
    return (await query.executeTakeFirst()) !== undefined;
  }
}

import type { Db } from './connect.js';
import { isDuplicateKeyError } from './connect.js';
import { nameTombstone } from './privacy-repo.js';
import { PersonExistsError } from './people-repo.js';

/**
 * The admin's changes to people from the results page: rename, merge, remove an enrollment
 * photo. Each runs in one transaction. A name that goes away (renamed from, merged) leaves a
 * tombstone, as forgetting does, so that a known-people folder does not bring an empty person
 * of that name back at the next recognizer start; creating that name again on purpose lifts it.
 */
export class PeopleAdminRepository {
  constructor(
    private readonly db: Db,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Renames a person; their old name, undefined when there is no such person. */
  async rename(id: number, name: string): Promise<{ oldName: string } | undefined> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        const person = await trx
          .selectFrom('person')
          .select('name')
          .where('id', '=', id)
          .executeTakeFirst();
        if (!person) return undefined;
        if (person.name === name) return { oldName: person.name };
        await trx.updateTable('person').set({ name }).where('id', '=', id).execute();
        await trx
          .deleteFrom('forgotten_people')
          .where('name_hash', '=', nameTombstone(name))
          .execute();
        // Only a change of more than case retires the old name.
        if (nameTombstone(person.name) !== nameTombstone(name)) {
          await trx
            .insertInto('forgotten_people')
            .values({ name_hash: nameTombstone(person.name), forgotten_at: this.now() })
            .execute();
        }
        return { oldName: person.name };
      });
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new PersonExistsError(`a person named "${name}" already exists`);
      throw error;
    }
  }

  /**
   * Merges `fromId` into `intoId`: the enrollment photos and the sightings of the first become
   * the second's, and the first is removed. Undefined when either is missing or they are one.
   */
  async merge(
    fromId: number,
    intoId: number,
  ): Promise<{ fromName: string; intoName: string; photos: number; faces: number } | undefined> {
    if (fromId === intoId) return undefined;
    return this.db.transaction().execute(async (trx) => {
      const people = await trx
        .selectFrom('person')
        .select(['id', 'name'])
        .where('id', 'in', [fromId, intoId])
        .execute();
      const from = people.find((person) => Number(person.id) === fromId);
      const into = people.find((person) => Number(person.id) === intoId);
      if (!from || !into) return undefined;
      const photos = await trx
        .updateTable('person_images')
        .set({ person_id: intoId })
        .where('person_id', '=', fromId)
        .executeTakeFirst();
      const faces = await trx
        .updateTable('faces')
        .set({ person_id: intoId })
        .where('person_id', '=', fromId)
        .executeTakeFirst();
      await trx.deleteFrom('person').where('id', '=', fromId).execute();
      const hash = nameTombstone(from.name);
      await trx.deleteFrom('forgotten_people').where('name_hash', '=', hash).execute();
      await trx
        .insertInto('forgotten_people')
        .values({ name_hash: hash, forgotten_at: this.now() })
        .execute();
      return {
        fromName: from.name,
        intoName: into.name,
        photos: Number(photos.numUpdatedRows),
        faces: Number(faces.numUpdatedRows),
      };
    });
  }

  /** Removes one enrollment photo of a person; what it was, or undefined when there is none. */
  async removePhoto(
    personId: number,
    photoId: number,
  ): Promise<{ imageName: string; storedPath: string | null } | undefined> {
    return this.db.transaction().execute(async (trx) => {
      const row = await trx
        .selectFrom('person_images')
        .select(['image_name', 'stored_path'])
        .where('id', '=', photoId)
        .where('person_id', '=', personId)
        .executeTakeFirst();
      if (!row) return undefined;
      await trx.deleteFrom('person_images').where('id', '=', photoId).execute();
      return { imageName: row.image_name, storedPath: row.stored_path };
    });
  }
}

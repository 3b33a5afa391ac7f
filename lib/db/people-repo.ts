import { sql } from 'kysely';
import type { Db } from './connect.js';
import { isDuplicateKeyError } from './connect.js';
import type { Box } from '../box.js';

export interface Person {
  id: number;
  name: string;
  createdAt: string;
}

export interface PersonSummary extends Person {
  photos: number;
  sightings: number;
  lastSeenAt: string | null;
}

export interface StoredDescriptor {
  personImageId: number;
  personId: number;
  personName: string;
  descriptor: Float32Array;
  /** The enrolled face's size in px; null for photos enrolled before it was recorded. */
  faceSize: number | null;
}

export class PersonExistsError extends Error {
  override name = 'PersonExistsError';
}

/** 128 float32 values <-> 512 little-endian bytes. */
export function encodeDescriptor(descriptor: ArrayLike<number>): Buffer {
  const buffer = Buffer.alloc(descriptor.length * 4);
  for (let i = 0; i < descriptor.length; i++) buffer.writeFloatLE(descriptor[i] ?? 0, i * 4);
  return buffer;
}

export function decodeDescriptor(buffer: Uint8Array): Float32Array {
  const view = new DataView(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const descriptor = new Float32Array(buffer.byteLength / 4);
  for (let i = 0; i < descriptor.length; i++) descriptor[i] = view.getFloat32(i * 4, true);
  return descriptor;
}

export class PeopleRepository {
  constructor(private readonly db: Db) {}

  async create(name: string): Promise<Person> {
    const now = new Date();
    try {
      const result = await this.db
        .insertInto('person')
        .values({ name, created_at: now })
        .executeTakeFirstOrThrow();
      return { id: Number(result.insertId), name, createdAt: now.toISOString() };
    } catch (error) {
      if (isDuplicateKeyError(error))
        throw new PersonExistsError(`a person named "${name}" already exists`);
      throw error;
    }
  }

  /** The person with this name, created if missing (enrollment from a folder). */
  async findOrCreate(name: string): Promise<Person> {
    const existing = await this.findByName(name);
    if (existing) return existing;
    try {
      return await this.create(name);
    } catch (error) {
      if (error instanceof PersonExistsError) {
        const winner = await this.findByName(name);
        if (winner) return winner;
      }
      throw error;
    }
  }

  async findByName(name: string): Promise<Person | undefined> {
    const row = await this.db
      .selectFrom('person')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row
      ? { id: Number(row.id), name: row.name, createdAt: row.created_at.toISOString() }
      : undefined;
  }

  async get(id: number): Promise<Person | undefined> {
    const row = await this.db
      .selectFrom('person')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return row
      ? { id: Number(row.id), name: row.name, createdAt: row.created_at.toISOString() }
      : undefined;
  }

  /** Everyone, with enrolled photo count, how often and when last seen. */
  async list(): Promise<PersonSummary[]> {
    const rows = await this.db
      .selectFrom('person')
      .select([
        'person.id',
        'person.name',
        'person.created_at',
        (eb) =>
          eb
            .selectFrom('person_images')
            .select(sql<number>`COUNT(*)`.as('n'))
            .whereRef('person_images.person_id', '=', 'person.id')
            .as('photos'),
        (eb) =>
          eb
            .selectFrom('faces')
            .select(sql<number>`COUNT(DISTINCT faces.image_id)`.as('n'))
            .whereRef('faces.person_id', '=', 'person.id')
            .as('sightings'),
        // The newest photo they are on is the one with the largest id (ids grow with receipt):
        // one probe of the faces index and one primary-key lookup, not a join of every sighting.
        (eb) =>
          eb
            .selectFrom('images')
            .select('images.created_at')
            .where('images.id', '=', (inner) =>
              inner
                .selectFrom('faces')
                .select((faces) => faces.fn.max('faces.image_id').as('last_image'))
                .whereRef('faces.person_id', '=', 'person.id'),
            )
            .as('last_seen_at'),
      ])
      .orderBy('person.name')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      name: row.name,
      createdAt: row.created_at.toISOString(),
      photos: Number(row.photos ?? 0),
      sightings: Number(row.sightings ?? 0),
      lastSeenAt: row.last_seen_at
        ? new Date(row.last_seen_at as unknown as string | Date).toISOString()
        : null,
    }));
  }

  async findPersonImageByHash(
    contentHash: string,
  ): Promise<{ id: number; personId: number } | undefined> {
    const row = await this.db
      .selectFrom('person_images')
      .select(['id', 'person_id'])
      .where('content_hash', '=', contentHash)
      .executeTakeFirst();
    return row ? { id: Number(row.id), personId: Number(row.person_id) } : undefined;
  }

  /** Stores one enrolled photo's descriptor; a photo already enrolled (same hash) is not stored twice. */
  async addPersonImage(input: {
    personId: number;
    imageName: string;
    contentHash: string;
    descriptor: ArrayLike<number>;
    /** The enrolled face's size in px. */
    faceSize?: number;
    /** The copy facetrail wrote of an uploaded photo, relative to IMAGES_ROOT. */
    storedPath?: string | null;
    /** Where the face is on the photo (for the person's face crop). */
    box?: Box | null;
  }): Promise<{ id: number; alreadyEnrolled: boolean }> {
    const existing = await this.findPersonImageByHash(input.contentHash);
    if (existing) return { id: existing.id, alreadyEnrolled: true };
    try {
      const result = await this.db
        .insertInto('person_images')
        .values({
          person_id: input.personId,
          image_name: input.imageName,
          content_hash: input.contentHash,
          descriptor: encodeDescriptor(input.descriptor),
          quality_size: input.faceSize === undefined ? null : Math.round(input.faceSize),
          stored_path: input.storedPath ?? null,
          box_x: input.box ? Math.round(input.box.x) : null,
          box_y: input.box ? Math.round(input.box.y) : null,
          box_width: input.box ? Math.round(input.box.width) : null,
          box_height: input.box ? Math.round(input.box.height) : null,
          created_at: new Date(),
        })
        .executeTakeFirstOrThrow();
      return { id: Number(result.insertId), alreadyEnrolled: false };
    } catch (error) {
      if (isDuplicateKeyError(error)) {
        const winner = await this.findPersonImageByHash(input.contentHash);
        if (winner) return { id: winner.id, alreadyEnrolled: true };
      }
      throw error;
    }
  }

  /** Every stored descriptor with its person: the recognizer's gallery. */
  async allDescriptors(): Promise<StoredDescriptor[]> {
    const rows = await this.db
      .selectFrom('person_images')
      .innerJoin('person', 'person.id', 'person_images.person_id')
      .select([
        'person_images.id',
        'person_images.person_id',
        'person.name',
        'person_images.descriptor',
        'person_images.quality_size',
      ])
      .orderBy('person_images.id')
      .execute();
    return rows.map((row) => ({
      personImageId: Number(row.id),
      personId: Number(row.person_id),
      personName: row.name,
      descriptor: decodeDescriptor(row.descriptor),
      faceSize: row.quality_size == null ? null : Number(row.quality_size),
    }));
  }

  /**
   * A cheap fingerprint of the gallery: replicas poll it to know when to reload. Count and
   * newest id change with enrollments and removals; the sum of person ids changes when photos
   * move from one person to another (a merge on the results page).
   */
  async galleryVersion(): Promise<string> {
    const row = await this.db
      .selectFrom('person_images')
      .select([
        sql<number>`COUNT(*)`.as('count'),
        sql<number>`COALESCE(MAX(id), 0)`.as('max_id'),
        sql<number>`COALESCE(SUM(person_id), 0)`.as('owners'),
      ])
      .executeTakeFirstOrThrow();
    return `${Number(row.count)}:${Number(row.max_id)}:${Number(row.owners)}`;
  }
}

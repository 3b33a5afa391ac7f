import { sql, type SelectQueryBuilder } from 'kysely';
import type { Db } from './connect.js';
import type { Database, ImageStatus } from './schema.js';
import type { Box } from '../box.js';

/**
 * What the results page filters on; every field optional, all of them combined with AND.
 * Dates are of receipt (images.created_at), half-open: from <= t < to.
 */
export interface ResultsFilter {
  personId?: number | undefined;
  /** Only photos with at least one face nobody was recognised on. */
  unknownOnly?: boolean | undefined;
  door?: string | undefined;
  status?: ImageStatus | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
}

/** A keyset cursor: the page older than an id, or the page newer than one. */
export type Cursor = { before: number } | { after: number } | undefined;

export interface IdPage {
  /** Newest first. */
  ids: number[];
  /** Set when newer matches exist: the `after` cursor of the newer page. */
  newer: number | null;
  /** Set when older matches exist: the `before` cursor of the older page. */
  older: number | null;
}

/**
 * Ids come from one clock per receiver pod and grow with created_at, give or take the clocks'
 * skew (NTP keeps pods within milliseconds; this allows far more). A date range is turned into
 * an id range wider by this much on each side, then checked exactly on created_at.
 */
const CLOCK_SKEW_MS = 10 * 60_000;

type ImageQuery = SelectQueryBuilder<Database, 'images', { id: number }>;
type FaceQuery = SelectQueryBuilder<
  Database & { f: Database['faces']; i: Database['images'] },
  'f' | 'i',
  { id: number }
>;

export interface PersonStats {
  personId: number;
  photos: number;
  sightings: number;
  /** The newest photo they were recognised on, and when it was received. */
  lastSeen: { imageId: number; at: string } | null;
}

export interface EnrollmentPhoto {
  id: number;
  personId: number;
  imageName: string;
  storedPath: string | null;
  box: Box | null;
  createdAt: string;
}

/** Where a person's face can be cut from: an enrollment photo, or their latest sighting. */
export type FaceSource =
  | { kind: 'enrollment'; storedPath: string; box: EnrollmentPhoto['box'] }
  | { kind: 'sighting'; imageId: number; box: NonNullable<EnrollmentPhoto['box']> };

export interface Change {
  id: number;
  status: ImageStatus;
  updatedAt: string;
}

/**
 * The read queries of the results page (issue 12): filtered, keyset-paged image ids in both
 * directions, the doors, people with their counts, sightings over time, and the live feed's
 * high-water mark. Each is shaped for an index (sql/006_results_page.sql says which) so that
 * it holds at millions of rows; `npm run bench:frontend` measures them.
 */
export class ResultsRepository {
  constructor(private readonly db: Db) {}

  /**
   * One page of image ids matching `filter`, newest first, and the cursors of the pages
   * around it. A person or "unknown only" filter walks the faces index (person_id, image_id);
   * everything else walks images by id (or (status, id), (door, id)).
   */
  async search(filter: ResultsFilter, cursor: Cursor, limit: number): Promise<IdPage> {
    const window = await this.idWindow(filter);
    if (window === 'empty') return { ids: [], newer: null, older: null };
    const fetch = (direction: 'older' | 'newer', pivot: number | undefined, count: number) =>
      this.fetchIds(filter, window, direction, pivot, count);

    if (cursor && 'after' in cursor) {
      const rows = await fetch('newer', cursor.after, limit + 1);
      const ids = rows.slice(0, limit).reverse();
      const oldest = ids.at(-1) ?? cursor.after + 1;
      const older = (await fetch('older', oldest, 1)).length > 0 ? oldest : null;
      return { ids, newer: rows.length > limit ? ids[0]! : null, older };
    }
    const before = cursor && 'before' in cursor ? cursor.before : undefined;
    const rows = await fetch('older', before, limit + 1);
    const ids = rows.slice(0, limit);
    let newer: number | null = null;
    if (before !== undefined) {
      const newest = ids[0] ?? before - 1;
      newer = (await fetch('newer', newest, 1)).length > 0 ? newest : null;
    }
    return { ids, newer, older: rows.length > limit ? ids.at(-1)! : null };
  }

  /** Ids older (smaller) or newer (larger) than the pivot, nearest first. */
  private async fetchIds(
    filter: ResultsFilter,
    window: IdWindow,
    direction: 'older' | 'newer',
    pivot: number | undefined,
    count: number,
  ): Promise<number[]> {
    const drivenByFaces = filter.personId !== undefined || filter.unknownOnly;
    const rows = drivenByFaces
      ? await this.facesQuery(filter, window, direction, pivot, count).execute()
      : await this.imagesQuery(filter, window, direction, pivot, count).execute();
    return rows.map((row) => Number(row.id));
  }

  private imagesQuery(
    filter: ResultsFilter,
    window: IdWindow,
    direction: 'older' | 'newer',
    pivot: number | undefined,
    count: number,
  ): ImageQuery {
    let query = this.db.selectFrom('images').select('images.id as id') as ImageQuery;
    if (filter.status) query = query.where('images.status', '=', filter.status);
    if (filter.door) query = query.where('images.door', '=', filter.door);
    query = this.dateBounds(query, 'images', filter, window);
    if (pivot !== undefined)
      query = query.where('images.id', direction === 'older' ? '<' : '>', pivot);
    return query.orderBy('images.id', direction === 'older' ? 'desc' : 'asc').limit(count);
  }

  private facesQuery(
    filter: ResultsFilter,
    window: IdWindow,
    direction: 'older' | 'newer',
    pivot: number | undefined,
    count: number,
  ): FaceQuery {
    const needsImage =
      filter.status !== undefined || filter.door !== undefined || window.exact !== undefined;
    let query = this.db.selectFrom('faces as f').select('f.image_id as id') as unknown as FaceQuery;
    if (needsImage) query = query.innerJoin('images as i', 'i.id', 'f.image_id');
    if (filter.personId !== undefined) {
      query = query.where('f.person_id', '=', filter.personId);
      if (filter.unknownOnly) {
        query = query.where(({ exists, selectFrom }) =>
          exists(
            selectFrom('faces as u')
              .select('u.id')
              .whereRef('u.image_id', '=', 'f.image_id')
              .where('u.person_id', 'is', null),
          ),
        );
      }
    } else query = query.where('f.person_id', 'is', null);
    if (filter.status) query = query.where('i.status', '=', filter.status);
    if (filter.door) query = query.where('i.door', '=', filter.door);
    if (window.above !== undefined) query = query.where('f.image_id', '>', window.above);
    if (window.below !== undefined) query = query.where('f.image_id', '<', window.below);
    if (window.exact) {
      const { from, to } = window.exact;
      if (from) query = query.where('i.created_at', '>=', from);
      if (to) query = query.where('i.created_at', '<', to);
    }
    if (pivot !== undefined)
      query = query.where('f.image_id', direction === 'older' ? '<' : '>', pivot);
    // Several faces of one photo may match: one row per photo, in index order.
    return query
      .groupBy('f.image_id')
      .orderBy('f.image_id', direction === 'older' ? 'desc' : 'asc')
      .limit(count);
  }

  private dateBounds(query: ImageQuery, _table: 'images', filter: ResultsFilter, window: IdWindow) {
    if (window.above !== undefined) query = query.where('images.id', '>', window.above);
    if (window.below !== undefined) query = query.where('images.id', '<', window.below);
    if (filter.from) query = query.where('images.created_at', '>=', filter.from);
    if (filter.to) query = query.where('images.created_at', '<', filter.to);
    return query;
  }

  /**
   * The id range a date range can hold: above the last image received more than the skew
   * before `from`, below the first one received more than the skew after `to`. Two lookups
   * on images_created (created_at), each one row.
   */
  private async idWindow(filter: ResultsFilter): Promise<IdWindow | 'empty'> {
    const window: IdWindow = {};
    if (!filter.from && !filter.to) return window;
    if (filter.from && filter.to && filter.from >= filter.to) return 'empty';
    window.exact = { from: filter.from, to: filter.to };
    if (filter.from) {
      const row = await this.db
        .selectFrom('images')
        .select('id')
        .where('created_at', '<', new Date(filter.from.getTime() - CLOCK_SKEW_MS))
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (row) window.above = Number(row.id);
    }
    if (filter.to) {
      const row = await this.db
        .selectFrom('images')
        .select('id')
        .where('created_at', '>=', new Date(filter.to.getTime() + CLOCK_SKEW_MS))
        .orderBy('created_at')
        .orderBy('id')
        .limit(1)
        .executeTakeFirst();
      if (row) window.below = Number(row.id);
    }
    return window;
  }

  /** Every door or camera photos came from, alphabetically (a loose scan of (door, id)). */
  async doors(limit = 500): Promise<string[]> {
    const rows = await this.db
      .selectFrom('images')
      .select('door')
      .where('door', 'is not', null)
      .groupBy('door')
      .orderBy('door')
      .limit(limit)
      .execute();
    return rows.flatMap((row) => (row.door ? [row.door] : []));
  }

  /** People by name, `limit` at a time, after (or before) a name; a search matches part of the name. */
  async people(options: {
    search?: string | undefined;
    after?: string | undefined;
    before?: string | undefined;
    limit: number;
  }): Promise<{ people: Array<{ id: number; name: string }>; hasMore: boolean }> {
    let query = this.db.selectFrom('person').select(['id', 'name']);
    if (options.search) {
      // '!' escapes: a backslash means different things in MySQL and SQLite string literals.
      const pattern = `%${options.search.replace(/[!%_]/g, (char) => `!${char}`)}%`;
      query = query.where(sql<boolean>`name LIKE ${pattern} ESCAPE '!'`);
    }
    if (options.before !== undefined) {
      query = query.where('name', '<', options.before).orderBy('name', 'desc');
    } else {
      if (options.after !== undefined) query = query.where('name', '>', options.after);
      query = query.orderBy('name');
    }
    const rows = await query.limit(options.limit + 1).execute();
    const page = rows
      .slice(0, options.limit)
      .map((row) => ({ id: Number(row.id), name: row.name }));
    if (options.before !== undefined) page.reverse();
    return { people: page, hasMore: rows.length > options.limit };
  }

  /** Every person's id and name (for the filter's list of names), alphabetically. */
  async allNames(limit = 5000): Promise<Array<{ id: number; name: string }>> {
    const rows = await this.db
      .selectFrom('person')
      .select(['id', 'name'])
      .orderBy('name')
      .limit(limit)
      .execute();
    return rows.map((row) => ({ id: Number(row.id), name: row.name }));
  }

  async personName(id: number): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('person')
      .select('name')
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.name;
  }

  /** The people whose name is `name` (any case) or, failing that, contains it. */
  async findPeople(name: string, limit = 20): Promise<Array<{ id: number; name: string }>> {
    const exact = await this.db
      .selectFrom('person')
      .select(['id', 'name'])
      .where('name', '=', name)
      .execute();
    if (exact.length > 0) return exact.map((row) => ({ id: Number(row.id), name: row.name }));
    return (await this.people({ search: name, limit })).people;
  }

  /** Enrollment photos, sightings and the last sighting of each person, by index lookups. */
  async stats(personIds: number[]): Promise<Map<number, PersonStats>> {
    const stats = new Map<number, PersonStats>(
      personIds.map((personId) => [
        personId,
        { personId, photos: 0, sightings: 0, lastSeen: null },
      ]),
    );
    if (personIds.length === 0) return stats;
    const [photos, sightings] = await Promise.all([
      this.db
        .selectFrom('person_images')
        .select(['person_id', sql<number>`COUNT(*)`.as('n')])
        .where('person_id', 'in', personIds)
        .groupBy('person_id')
        .execute(),
      this.db
        .selectFrom('faces')
        .select([
          'person_id',
          sql<number>`COUNT(DISTINCT image_id)`.as('n'),
          sql<number>`MAX(image_id)`.as('last_image'),
        ])
        .where('person_id', 'in', personIds)
        .groupBy('person_id')
        .execute(),
    ]);
    for (const row of photos) stats.get(Number(row.person_id))!.photos = Number(row.n);
    const lastImages = sightings.map((row) => Number(row.last_image));
    const received =
      lastImages.length === 0
        ? []
        : await this.db
            .selectFrom('images')
            .select(['id', 'created_at'])
            .where('id', 'in', lastImages)
            .execute();
    const receivedAt = new Map(received.map((row) => [Number(row.id), row.created_at]));
    for (const row of sightings) {
      const entry = stats.get(Number(row.person_id))!;
      entry.sightings = Number(row.n);
      const at = receivedAt.get(Number(row.last_image));
      if (at) entry.lastSeen = { imageId: Number(row.last_image), at: at.toISOString() };
    }
    return stats;
  }

  async enrollmentPhotos(personId: number): Promise<EnrollmentPhoto[]> {
    const rows = await this.db
      .selectFrom('person_images')
      .select([
        'id',
        'person_id',
        'image_name',
        'stored_path',
        'box_x',
        'box_y',
        'box_width',
        'box_height',
        'created_at',
      ])
      .where('person_id', '=', personId)
      .orderBy('id')
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      personId: Number(row.person_id),
      imageName: row.image_name,
      storedPath: row.stored_path,
      box:
        row.box_x === null ||
        row.box_y === null ||
        row.box_width === null ||
        row.box_height === null
          ? null
          : { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height },
      createdAt: row.created_at.toISOString(),
    }));
  }

  /** The photo to cut a person's face from: a stored enrollment photo, else their latest sighting. */
  async faceSource(personId: number): Promise<FaceSource | undefined> {
    const enrollment = await this.db
      .selectFrom('person_images')
      .select(['stored_path', 'box_x', 'box_y', 'box_width', 'box_height'])
      .where('person_id', '=', personId)
      .where('stored_path', 'is not', null)
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    if (enrollment?.stored_path) {
      const { box_x: x, box_y: y, box_width: width, box_height: height } = enrollment;
      return {
        kind: 'enrollment',
        storedPath: enrollment.stored_path,
        box:
          x === null || y === null || width === null || height === null
            ? null
            : { x, y, width, height },
      };
    }
    const sighting = await this.db
      .selectFrom('faces')
      .select(['image_id', 'box_x', 'box_y', 'box_width', 'box_height'])
      .where('person_id', '=', personId)
      .orderBy('image_id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return sighting
      ? {
          kind: 'sighting',
          imageId: Number(sighting.image_id),
          box: {
            x: sighting.box_x,
            y: sighting.box_y,
            width: sighting.box_width,
            height: sighting.box_height,
          },
        }
      : undefined;
  }

  /**
   * Photos a person was recognised on per period between consecutive `boundaries` (ascending
   * instants). Each boundary becomes the first image id received at or after it (one index
   * lookup each); the counts then come from the faces index (person_id, image_id) alone.
   */
  async sightingsBetween(personId: number, boundaries: Date[]): Promise<number[]> {
    if (boundaries.length < 2) return [];
    const firstIds = await Promise.all(
      boundaries.map(async (boundary) => {
        const row = await this.db
          .selectFrom('images')
          .select('id')
          .where('created_at', '>=', boundary)
          .orderBy('created_at')
          .orderBy('id')
          .limit(1)
          .executeTakeFirst();
        return row ? Number(row.id) : Number.MAX_SAFE_INTEGER;
      }),
    );
    const buckets = boundaries.slice(0, -1).map((_, index) => ({
      index,
      lo: firstIds[index]!,
      hi: firstIds[index + 1]!,
    }));
    const counts = new Array<number>(buckets.length).fill(0);
    const live = buckets.filter((bucket) => bucket.hi > bucket.lo);
    if (live.length === 0) return counts;
    const bucketOf = sql.join(
      live.map(
        (bucket) =>
          sql`WHEN image_id >= ${bucket.lo} AND image_id < ${bucket.hi} THEN ${bucket.index}`,
      ),
      sql` `,
    );
    const rows = await this.db
      .selectFrom('faces')
      .select([
        sql<number>`CASE ${bucketOf} END`.as('bucket'),
        sql<number>`COUNT(DISTINCT image_id)`.as('n'),
      ])
      .where('person_id', '=', personId)
      .where('image_id', '>=', Math.min(...live.map((bucket) => bucket.lo)))
      .where('image_id', '<', Math.max(...live.map((bucket) => bucket.hi)))
      .groupBy(sql`CASE ${bucketOf} END`)
      .execute();
    for (const row of rows) if (row.bucket !== null) counts[Number(row.bucket)] = Number(row.n);
    return counts;
  }

  /** The newest image and the newest change: what the live feed compares between polls. */
  async highWaterMark(): Promise<{ maxId: number; maxUpdatedAt: Date | null }> {
    const row = await this.db
      .selectFrom('images')
      .select([
        sql<number>`MAX(id)`.as('max_id'),
        sql<Date | string | null>`MAX(updated_at)`.as('max_updated_at'),
      ])
      .executeTakeFirstOrThrow();
    const updated = row.max_updated_at;
    return {
      maxId: Number(row.max_id ?? 0),
      maxUpdatedAt: updated === null ? null : new Date(updated),
    };
  }

  /** Images changed at or after `since` (index images_updated), oldest change first. */
  async changedSince(since: Date, limit: number): Promise<Change[]> {
    const rows = await this.db
      .selectFrom('images')
      .select(['id', 'status', 'updated_at'])
      .where('updated_at', '>=', since)
      .orderBy('updated_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      status: row.status,
      updatedAt: row.updated_at.toISOString(),
    }));
  }
}

interface IdWindow {
  above?: number;
  below?: number;
  exact?: { from: Date | undefined; to: Date | undefined };
}

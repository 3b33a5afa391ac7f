import type { Connection } from 'mysql2/promise';

/** The building the benchmark fills MariaDB with (bulk-loaded, not through the pipeline). */
export const SHAPE = {
  images: 1_000_000,
  faces: 2_000_000,
  people: 1000,
  doors: 20,
  /** Received over this many days, oldest first, in id order (as receivers' clocks make them). */
  days: 30,
  /** Share of faces matched to a known person. */
  knownShare: 0.6,
  /** Rows per multi-row INSERT. */
  batch: 5000,
};

/** Newest image received at END; image i at START + i × step. */
export const END = Date.parse('2026-11-29T00:00:00Z');
export const START = END - SHAPE.days * 86_400_000;
export const receivedAt = (id: number) =>
  new Date(START + Math.floor(((id - 1) * SHAPE.days * 86_400_000) / SHAPE.images));

/** A small deterministic PRNG (mulberry32): the same data on every run. */
export function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sqlTime = (date: Date) => `'${date.toISOString().replace('T', ' ').replace('Z', '')}'`;

/**
 * A few people are seen very often, most rarely: person index ⌊1000·u²⌋, so the most frequent
 * has about 3 % of all sightings (≈ 38 000 photos) and the median a few hundred.
 */
export const personOf = (u: number) => Math.min(SHAPE.people - 1, Math.floor(SHAPE.people * u * u));

const STATUSES = ['PROCESSED', 'FAILED', 'PENDING'] as const;

/** 2 % FAILED, some of the newest 200 still PENDING, the rest PROCESSED. */
function statuses(next: () => number): Uint8Array {
  const codes = new Uint8Array(SHAPE.images);
  for (let i = 0; i < SHAPE.images; i++) {
    const recent = i >= SHAPE.images - 200;
    codes[i] = recent && next() < 0.5 ? 2 : next() < 0.02 ? 1 : 0;
  }
  return codes;
}

/**
 * Faces per processed photo: 0 to 4, about two on average, topped up (or trimmed) to exactly
 * SHAPE.faces in all.
 */
function faceCounts(next: () => number, status: Uint8Array): Uint8Array {
  const counts = new Uint8Array(SHAPE.images);
  let total = 0;
  for (let i = 0; i < SHAPE.images; i++) {
    if (status[i] !== 0) continue;
    const u = next();
    counts[i] = u < 0.1 ? 0 : u < 0.35 ? 1 : u < 0.7 ? 2 : u < 0.9 ? 3 : 4;
    total += counts[i]!;
  }
  for (let i = 0; total < SHAPE.faces; i = (i + 7919) % SHAPE.images) {
    if (status[i] === 0 && counts[i]! < 6) {
      counts[i]!++;
      total++;
    }
  }
  for (let i = 0; total > SHAPE.faces; i = (i + 7919) % SHAPE.images) {
    if (counts[i]! > 0) {
      counts[i]!--;
      total--;
    }
  }
  return counts;
}

/** Fills a migrated, empty database; reports progress through `log`. */
export async function fill(conn: Connection, log: (line: string) => void): Promise<void> {
  const next = random(12);
  await conn.query('SET foreign_key_checks = 0, unique_checks = 0');
  const created = sqlTime(new Date(START - 86_400_000));
  const people: string[] = [];
  for (let p = 1; p <= SHAPE.people; p++)
    people.push(`(${p}, 'Person ${String(p).padStart(4, '0')}', ${created})`);
  await conn.query(`INSERT INTO person (id, name, created_at) VALUES ${people.join(',')}`);
  // One enrollment photo each (a descriptor of zeros: the page never reads it).
  const zeros = `X'${'00'.repeat(512)}'`;
  for (let p = 1; p <= SHAPE.people; p += SHAPE.batch) {
    const rows: string[] = [];
    for (let q = p; q < Math.min(p + SHAPE.batch, SHAPE.people + 1); q++)
      rows.push(
        `(${q}, ${q}, 'enrollment-${q}.jpg', '${q.toString(16).padStart(64, '0')}', ${zeros}, ${created}, 'enrollments/${q}/${q}.jpg', 10, 10, 100, 120)`,
      );
    await conn.query(
      `INSERT INTO person_images (id, person_id, image_name, content_hash, descriptor, created_at, stored_path, box_x, box_y, box_width, box_height) VALUES ${rows.join(',')}`,
    );
  }

  const status = statuses(next);
  const counts = faceCounts(next, status);
  let faceId = 1;
  const started = Date.now();
  for (let first = 1; first <= SHAPE.images; first += SHAPE.batch) {
    const images: string[] = [];
    const faces: string[] = [];
    for (let id = first; id < Math.min(first + SHAPE.batch, SHAPE.images + 1); id++) {
      const at = receivedAt(id);
      const door = `door-${1 + Math.floor(next() * SHAPE.doors)}`;
      const state = STATUSES[status[id - 1]!]!;
      const processed = state === 'PENDING' ? 'NULL' : sqlTime(new Date(at.getTime() + 800));
      const error =
        state === 'FAILED' ? `'CORRUPT_IMAGE', 'the image cannot be decoded'` : 'NULL, NULL';
      images.push(
        `(${id}, '${door}/${id}.jpg', '${state}', 1, NULL, ${error}, ${sqlTime(at)}, ${sqlTime(at)}, ${sqlTime(at)}, ${processed}, '${door}', ${sqlTime(new Date(at.getTime() - 1500))}, 'IMG_${id}.jpg')`,
      );
      if (state !== 'PROCESSED') continue;
      for (let index = 0; index < counts[id - 1]!; index++) {
        const known = next() < SHAPE.knownShare;
        const person = known ? 1 + personOf(next()) : 'NULL';
        const distance = known ? (0.2 + next() * 0.2).toFixed(3) : 'NULL';
        faces.push(
          `(${faceId++}, ${id}, ${index}, ${Math.floor(next() * 400)}, ${Math.floor(next() * 300)}, 80, 100, ${(0.6 + next() * 0.4).toFixed(3)}, ${person}, ${distance})`,
        );
      }
    }
    await conn.query(
      `INSERT INTO images (id, path, status, attempts, lease_until, error_code, error_message, created_at, updated_at, published_at, processed_at, door, captured_at, original_name) VALUES ${images.join(',')}`,
    );
    if (faces.length > 0)
      await conn.query(
        `INSERT INTO faces (id, image_id, face_index, box_x, box_y, box_width, box_height, score, person_id, distance) VALUES ${faces.join(',')}`,
      );
    if ((first - 1) % 100_000 === 0)
      log(
        `  ${first - 1} images, ${faceId - 1} faces (${Math.round((Date.now() - started) / 1000)} s)`,
      );
  }
  await conn.query('SET foreign_key_checks = 1, unique_checks = 1');
  await conn.query('ANALYZE TABLE images, faces, person, person_images');
  log(
    `filled: ${SHAPE.images} images, ${faceId - 1} faces in ${Math.round((Date.now() - started) / 1000)} s`,
  );
}

import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { ImageInserts } from '../../lib/db/images/batch-inserts.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

// The ingest batcher's writes: the ids it hands each submission must be the rows' own, on
// MariaDB (one multi-row INSERT) and on SQLite (one INSERT a row), with concurrent writers.
describe.each(['mysql', 'sqlite'] as const)('ImageInserts on %s', (kind) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase('facetrail_inserts', { kind });
  });
  afterAll(async () => {
    await database.drop();
  });

  it('gives each submission the ids of its own rows, under concurrent batches', async () => {
    const inserts = new ImageInserts(database.db);
    const batch = (tag: string) =>
      Array.from({ length: 20 }, (_, request) => ({
        images: Array.from({ length: (request % 3) + 1 }, (_, index) => ({
          path: `${tag}/${request}/${index}.jpg`,
          metadata: { door: 'front', capturedAt: null, originalName: `${index}.jpg` },
        })),
        idempotency: request % 4 === 0 ? { key: `${tag}-${request}`, requestHash: 'h' } : undefined,
      }));
    const batches = ['a', 'b', 'c', 'd'].map(batch);
    const answers = await Promise.all(batches.map((requests) => inserts.insertAll(requests)));
    const rows = await database.db
      .selectFrom('images')
      .select(['id', 'path', 'status', 'door', 'idempotency_key', 'idempotency_index'])
      .execute();
    const byId = new Map(rows.map((row) => [Number(row.id), row]));
    batches.forEach((requests, b) =>
      requests.forEach((request, r) =>
        request.images.forEach((image, i) => {
          const row = byId.get(answers[b]![r]![i]!);
          expect(row?.path).toBe(image.path);
          expect(row?.status).toBe('PENDING');
          expect(row?.door).toBe('front');
          expect(row?.idempotency_key ?? undefined).toBe(request.idempotency?.key);
          if (request.idempotency) expect(row?.idempotency_index).toBe(i);
        }),
      ),
    );
  });
});

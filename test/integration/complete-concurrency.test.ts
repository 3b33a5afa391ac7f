import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import {
  ImageClaimsRepository,
  type Claim,
  type NewFace,
} from '../../lib/db/images/claims-repo.js';

/** Runs `run` on every item, `width` at a time; a rejection is kept as its error, not thrown. */
async function inParallel<T, R>(
  items: T[],
  width: number,
  run: (item: T) => Promise<R>,
): Promise<Array<R | string>> {
  const results: Array<R | string> = [];
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await run(items[index]!).catch(
        (error: unknown) => `${(error as { code?: string }).code}: ${(error as Error).message}`,
      );
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

/** Issue 9 finding 2: images that finish together must not deadlock on the faces table. */
describe('completing many images at once on MariaDB', () => {
  let test: TestDatabase;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;

  beforeAll(async () => {
    test = await createTestDatabase('facetrail_complete');
    ingest = new ImageIngestRepository(test.db);
    claims = new ImageClaimsRepository(test.db);
  });
  afterAll(async () => {
    await test?.drop();
  });

  const facesFor = (id: number): NewFace[] =>
    Array.from({ length: 1 + (id % 3) }, (_, index) => ({
      box: { x: index * 10, y: 0, width: 10, height: 10 },
      score: 0.9,
      personId: null,
      distance: null,
    }));

  async function claimAll(ids: number[]): Promise<Claim[]> {
    return Promise.all(
      ids.map(async (id) => {
        const outcome = await claims.claim(id, 60_000);
        if (outcome.kind !== 'claimed') throw new Error(`image ${id} not claimed: ${outcome.kind}`);
        return outcome.claim;
      }),
    );
  }

  it.each([1, 2, 3, 4, 5])(
    'round %i: 40 images × 12 at once all complete, with exactly their faces',
    async () => {
      const { ids } = await ingest.createImages(
        Array.from({ length: 40 }, (_, index) => `round/${index}.jpg`),
      );
      const held = await claimAll(ids);
      const results = await inParallel(held, 12, (claim) =>
        claims.complete(claim, facesFor(claim.id)),
      );
      expect(results.filter((result) => result !== true)).toEqual([]);

      const counts = await test.db
        .selectFrom('faces')
        .select(['image_id', sql<number>`COUNT(*)`.as('count')])
        .where('image_id', 'in', ids)
        .groupBy('image_id')
        .execute();
      const byImage = new Map(counts.map((row) => [Number(row.image_id), Number(row.count)]));
      for (const id of ids) expect([id, byImage.get(id)]).toEqual([id, facesFor(id).length]);
      const statuses = await test.db
        .selectFrom('images')
        .select('status')
        .where('id', 'in', ids)
        .execute();
      expect(statuses.every((row) => row.status === 'PROCESSED')).toBe(true);
    },
    60_000,
  );

  it('a second completion under a stale claim writes nothing', async () => {
    const { ids } = await ingest.createImages(['stale.jpg']);
    const [claim] = await claimAll(ids);
    expect(await claims.complete(claim!, facesFor(1))).toBe(true);
    expect(await claims.complete(claim!, facesFor(2))).toBe(false);
    const faces = await test.db
      .selectFrom('faces')
      .select('id')
      .where('image_id', '=', ids[0]!)
      .execute();
    expect(faces).toHaveLength(facesFor(1).length);
  });
});

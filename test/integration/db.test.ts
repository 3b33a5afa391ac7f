import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait-for.js';
import { migrate } from '../../lib/db/migrate.js';
import {
  ImageIngestRepository,
  IdempotencyConflictError,
} from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import { PeopleRepository, PersonExistsError } from '../../lib/db/people-repo.js';

describe.each(['mysql', 'sqlite'] as const)('database on %s', (kind) => {
  let test: TestDatabase;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;
  let reads: ImageReadsRepository;
  let sweep: ImageSweepRepository;
  let people: PeopleRepository;

  beforeAll(async () => {
    test = await createTestDatabase('facetrail_test', { kind });
    ingest = new ImageIngestRepository(test.db);
    claims = new ImageClaimsRepository(test.db);
    reads = new ImageReadsRepository(test.db);
    sweep = new ImageSweepRepository(test.db);
    people = new PeopleRepository(test.db);
  });
  afterAll(async () => {
    await test?.drop();
  });

  it('migrates once: a second run applies nothing and keeps the tables', async () => {
    expect(await migrate(test.db)).toEqual([]);
    const tables =
      kind === 'mysql'
        ? await sql<{
            name: string;
          }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = DATABASE() ORDER BY table_name`.execute(
            test.db,
          )
        : await sql<{
            name: string;
          }>`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`.execute(
            test.db,
          );
    // Later migrations add tables of their own; these are the ones every version has.
    expect(tables.rows.map((row) => row.name).sort()).toEqual(
      expect.arrayContaining([
        'api_keys',
        'faces',
        'forgotten_people',
        'images',
        'person',
        'person_images',
        'schema_migrations',
      ]),
    );
  });

  it('creates PENDING images and replays an idempotent request', async () => {
    const first = await ingest.createImages(['a.jpg', 'b.jpg'], { key: 'k1', requestHash: 'h1' });
    expect(first.replayed).toBe(false);
    const again = await ingest.createImages(['a.jpg', 'b.jpg'], { key: 'k1', requestHash: 'h1' });
    expect(again).toEqual({ ids: first.ids, replayed: true });
    await expect(
      ingest.createImages(['c.jpg'], { key: 'k1', requestHash: 'other' }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    // Keys are opaque: another case is another key, on both dialects.
    expect(
      (await ingest.createImages(['c.jpg'], { key: 'K1', requestHash: 'other' })).replayed,
    ).toBe(false);
    const record = await reads.get(first.ids[0]!);
    expect(record).toMatchObject({
      path: 'a.jpg',
      status: 'PENDING',
      attempts: 0,
      faces: [],
      people: [],
      error: null,
    });
  });

  it('lets exactly one of two racing claims win, and fences the loser out', async () => {
    const { ids } = await ingest.createImages(['race.jpg']);
    const id = ids[0]!;
    const outcomes = await Promise.all([claims.claim(id, 60_000), claims.claim(id, 60_000)]);
    expect(outcomes.filter((outcome) => outcome.kind === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'busy')).toHaveLength(1);
    const claimed = outcomes.find((outcome) => outcome.kind === 'claimed');
    if (claimed?.kind !== 'claimed') throw new Error('no claim');
    const stale = { ...claimed.claim, attempts: claimed.claim.attempts - 1 };
    expect(await claims.complete(stale, [])).toBe(false);
    const person = await people.create('Race Winner');
    const face = {
      box: { x: 1, y: 2, width: 30, height: 40 },
      score: 0.9,
      personId: person.id,
      distance: 0.3,
    };
    expect(
      await claims.complete(claimed.claim, [face, { ...face, personId: null, distance: null }]),
    ).toBe(true);
    expect(await claims.complete(claimed.claim, [face])).toBe(false);
    expect(await claims.claim(id, 60_000)).toEqual({ kind: 'final', status: 'PROCESSED' });
    const record = await reads.get(id);
    expect(record?.status).toBe('PROCESSED');
    expect(record?.faces).toHaveLength(2);
    expect(record?.people).toEqual([{ id: person.id, name: 'Race Winner' }]);
  });

  it('re-claims a PROCESSING image only after its lease expired', async () => {
    const { ids } = await ingest.createImages(['lease.jpg']);
    const first = await claims.claim(ids[0]!, 1);
    expect(first.kind).toBe('claimed');
    // Once the 1 ms lease ran out, another claim takes it over.
    const second = await waitFor(
      'the lease to expire',
      async () => {
        const outcome = await claims.claim(ids[0]!, 60_000);
        return outcome.kind === 'claimed' ? outcome : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    expect(second).toMatchObject({ kind: 'claimed', claim: { attempts: 2 } });
    if (first.kind !== 'claimed') throw new Error('no claim');
    expect(await claims.fail(first.claim, 'X', 'lost lease')).toBe(false);
  });

  it('finds stranded images for the redeemer', async () => {
    const { ids } = await ingest.createImages(['never-published.jpg', 'published.jpg']);
    await ingest.markPublished([ids[1]!]);
    const stranded = await waitFor(
      'the unpublished image to count as stranded (10 ms)',
      async () => {
        const found = await sweep.findStranded({
          unpublishedMs: 10,
          republishAfterMs: 60_000,
          limit: 100,
        });
        return found.some((image) => image.id === ids[0]) ? found : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    expect(stranded.map((image) => image.id)).toContain(ids[0]);
    expect(stranded.map((image) => image.id)).not.toContain(ids[1]);
  });

  it('refuses a duplicate person name and stores each photo once', async () => {
    const hannibal = await people.create('Hannibal');
    await expect(people.create('Hannibal')).rejects.toBeInstanceOf(PersonExistsError);
    const descriptor = Float32Array.from({ length: 128 }, (_, i) => i / 128);
    const first = await people.addPersonImage({
      personId: hannibal.id,
      imageName: 'hannibal_1.jpg',
      contentHash: 'a'.repeat(64),
      descriptor,
    });
    const again = await people.addPersonImage({
      personId: hannibal.id,
      imageName: 'copy.jpg',
      contentHash: 'a'.repeat(64),
      descriptor,
    });
    expect(again).toEqual({ id: first.id, alreadyEnrolled: true });
    const gallery = await people.allDescriptors();
    const stored = gallery.find((entry) => entry.personImageId === first.id);
    expect(stored?.personName).toBe('Hannibal');
    expect(Array.from(stored!.descriptor)).toEqual(Array.from(descriptor));
    const listed = (await people.list()).find((person) => person.id === hannibal.id);
    expect(listed).toMatchObject({ name: 'Hannibal', photos: 1, sightings: 0, lastSeenAt: null });
  });
});

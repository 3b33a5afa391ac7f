import { sql } from 'kysely';
import { createTestDatabase, type TestDatabase } from '../support/database.js';
import { waitFor } from '../support/wait-for.js';
import { migrate } from '../../lib/db/migrate.js';
import { ImagesRepository, IdempotencyConflictError } from '../../lib/db/images-repo.js';
import { PeopleRepository, PersonExistsError } from '../../lib/db/people-repo.js';

describe.each(['mysql', 'sqlite'] as const)('database on %s', (kind) => {
  let test: TestDatabase;
  let images: ImagesRepository;
  let people: PeopleRepository;

  beforeAll(async () => {
    test = await createTestDatabase('facetrail_test', { kind });
    images = new ImagesRepository(test.db);
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
    const first = await images.createImages(['a.jpg', 'b.jpg'], { key: 'k1', requestHash: 'h1' });
    expect(first.replayed).toBe(false);
    const again = await images.createImages(['a.jpg', 'b.jpg'], { key: 'k1', requestHash: 'h1' });
    expect(again).toEqual({ ids: first.ids, replayed: true });
    await expect(
      images.createImages(['c.jpg'], { key: 'k1', requestHash: 'other' }),
    ).rejects.toBeInstanceOf(IdempotencyConflictError);
    // Keys are opaque: another case is another key, on both dialects.
    expect(
      (await images.createImages(['c.jpg'], { key: 'K1', requestHash: 'other' })).replayed,
    ).toBe(false);
    const record = await images.get(first.ids[0]!);
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
    const { ids } = await images.createImages(['race.jpg']);
    const id = ids[0]!;
    const outcomes = await Promise.all([images.claim(id, 60_000), images.claim(id, 60_000)]);
    expect(outcomes.filter((outcome) => outcome.kind === 'claimed')).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.kind === 'busy')).toHaveLength(1);
    const claimed = outcomes.find((outcome) => outcome.kind === 'claimed');
    if (claimed?.kind !== 'claimed') throw new Error('no claim');
    const stale = { ...claimed.claim, attempts: claimed.claim.attempts - 1 };
    expect(await images.complete(stale, [])).toBe(false);
    const person = await people.create('Race Winner');
    const face = {
      box: { x: 1, y: 2, width: 30, height: 40 },
      score: 0.9,
      personId: person.id,
      distance: 0.3,
    };
    expect(
      await images.complete(claimed.claim, [face, { ...face, personId: null, distance: null }]),
    ).toBe(true);
    expect(await images.complete(claimed.claim, [face])).toBe(false);
    expect(await images.claim(id, 60_000)).toEqual({ kind: 'final', status: 'PROCESSED' });
    const record = await images.get(id);
    expect(record?.status).toBe('PROCESSED');
    expect(record?.faces).toHaveLength(2);
    expect(record?.people).toEqual([{ id: person.id, name: 'Race Winner' }]);
  });

  it('re-claims a PROCESSING image only after its lease expired', async () => {
    const { ids } = await images.createImages(['lease.jpg']);
    const first = await images.claim(ids[0]!, 1);
    expect(first.kind).toBe('claimed');
    // Once the 1 ms lease ran out, another claim takes it over.
    const second = await waitFor(
      'the lease to expire',
      async () => {
        const outcome = await images.claim(ids[0]!, 60_000);
        return outcome.kind === 'claimed' ? outcome : undefined;
      },
      { timeoutMs: 5_000, intervalMs: 5 },
    );
    expect(second).toMatchObject({ kind: 'claimed', claim: { attempts: 2 } });
    if (first.kind !== 'claimed') throw new Error('no claim');
    expect(await images.fail(first.claim, 'X', 'lost lease')).toBe(false);
  });

  it('finds stranded images for the redeemer', async () => {
    const { ids } = await images.createImages(['never-published.jpg', 'published.jpg']);
    await images.markPublished([ids[1]!]);
    const stranded = await waitFor(
      'the unpublished image to count as stranded (10 ms)',
      async () => {
        const found = await images.findStranded({
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

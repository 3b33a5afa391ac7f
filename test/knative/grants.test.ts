// Each component's MySQL user on a real server. knative/sql/zz_users.sh is run as MySQL's
// entrypoint runs it, its statements create the users on the test MariaDB (names suffixed per
// run: other test files share the server) for a fresh database migrated with sql/, and every
// component then does what its code does, through the real repositories, as its own user; what
// it must not do is refused. The users are dropped at the end.
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { Authenticator } from '../../lib/auth/authenticator.js';
import { hashApiKey } from '../../lib/auth/api-key.js';
import { connectDatabase, type Db } from '../../lib/db/connect.js';
import { FacesRepository } from '../../lib/db/faces-repo.js';
import { AuditRepository } from '../../lib/db/audit-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { ImageSweepRepository } from '../../lib/db/images/sweep-repo.js';
import { DeadLettersRepository } from '../../lib/db/dead-letters-repo.js';
import { UnclaimedImagesRepository } from '../../lib/db/images/unclaimed-repo.js';
import { recordDeadLetter } from '../../lib/dead-letters.js';
import { KeysRepository } from '../../lib/db/keys-repo.js';
import { PeopleAdminRepository } from '../../lib/db/people-admin-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { ResultsRepository } from '../../lib/db/results-repo.js';
import { createLogger } from '../../lib/logger.js';
import { deleteImage, forgetPerson } from '../../lib/privacy/forgetting.js';
import { purgeExpired } from '../../lib/privacy/retention.js';
import {
  asMysqlRoot,
  TEST_MYSQL_URL,
  createTestDatabase,
  type TestDatabase,
} from '../support/database.js';
import {
  DB_COMPONENTS,
  dbUserOf,
  parseUsersSql,
  passwordsFor,
  runUsersScript,
  type DbComponent,
  type ScriptUsers,
} from './support/db-users.js';
import { readRepoFile } from './support/repo.js';

const suffix = randomBytes(4).toString('hex');
const logger = createLogger('grants-test', 'silent');
const HOUR = 3_600_000;
/** How MySQL and MariaDB refuse a statement the user has no privilege for. */
const DENIED = ['ER_TABLEACCESS_DENIED_ERROR', 'ER_COLUMNACCESS_DENIED_ERROR'];

/** The user name this run creates for a user the script names: unique on the shared server. */
const runUser = (user: string) => `${user}_${suffix}`;

/** Where each component's code opens its database and builds its repositories. */
const WIRING: Record<DbComponent, string> = {
  receiver: 'functions/receiver/wiring.ts',
  processor: 'functions/processor/wiring.ts',
  frontend: 'functions/frontend/wiring.ts',
  redeemer: 'functions/redeemer/wiring.ts',
  recognizer: 'recognizer/server.ts',
};

let database: TestDatabase;
let script: ScriptUsers;
let passwords: Record<string, string>;
const connections = new Map<DbComponent, Db>();

/** The script's statements with this run's user names. */
function forThisRun(statements: string[]): string[] {
  return statements.map((statement) =>
    statement.replace(/'(facetrail_[a-z]+)'@'%'/g, (_whole, user: string) => {
      if (!script.passwords.has(user)) throw new Error(`a grant to ${user}, a user never created`);
      return `'${runUser(user)}'@'%'`;
    }),
  );
}

function urlOf(component: DbComponent, password = script.passwords.get(dbUserOf(component))!) {
  const url = new URL(TEST_MYSQL_URL);
  url.username = runUser(dbUserOf(component));
  url.password = password;
  url.pathname = `/${database.name}`;
  return url.toString();
}

function reposOf(db: Db) {
  return {
    ingest: new ImageIngestRepository(db),
    claims: new ImageClaimsRepository(db),
    reads: new ImageReadsRepository(db),
    sweep: new ImageSweepRepository(db),
    faces: new FacesRepository(db),
    people: new PeopleRepository(db),
    keys: new KeysRepository(db),
    privacy: new PrivacyRepository(db),
    results: new ResultsRepository(db),
    admin: new PeopleAdminRepository(db),
    audit: new AuditRepository(db),
    deadLetters: new DeadLettersRepository(db),
    unclaimed: new UnclaimedImagesRepository(db),
  };
}

/** A dead letter as the adapter publishes it, about one image. */
function deadLetterOf(imageId: number, messageId: string): Buffer {
  const original = JSON.stringify({ specversion: '1.0', data: { imageId, path: 'x.jpg' } });
  return Buffer.from(
    JSON.stringify({
      id: messageId,
      data: {
        reason: 'max-attempts',
        detail: 'attempt 10 of 10 failed: 500',
        status: 500,
        attempts: 10,
        body: original,
        bodyEncoding: 'utf8',
      },
    }),
  );
}

/** Each component's image-repository methods that succeeded as its user (see the check below). */
const exercised = new Map<DbComponent, Set<string>>();

/** The repository, noting each of its methods that succeeds as `component`'s user. */
function noting<T extends object>(component: DbComponent, repo: T): T {
  const seen = exercised.get(component) ?? new Set<string>();
  exercised.set(component, seen);
  return new Proxy(repo, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        const result: unknown = await (value as (...a: unknown[]) => unknown).apply(target, args);
        seen.add(`${target.constructor.name}.${String(key)}`);
        return result;
      };
    },
  });
}

function as(component: DbComponent) {
  const repos = reposOf(connections.get(component)!);
  return {
    ...repos,
    ingest: noting(component, repos.ingest),
    claims: noting(component, repos.claims),
    reads: noting(component, repos.reads),
    sweep: noting(component, repos.sweep),
  };
}
const root = () => reposOf(database.db);

/** The error code an operation fails with, or "allowed". */
async function outcome(operation: () => Promise<unknown>): Promise<string> {
  try {
    await operation();
    return 'allowed';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

const hash64 = (text: string) => createHash('sha256').update(text).digest('hex');
const descriptor = () => Float32Array.from({ length: 128 }, (_, i) => Math.sin(i));

/** A known person with one enrollment photo facetrail stored. */
async function seedPerson(name: string) {
  const person = await root().people.create(`${name} ${suffix}`);
  const storedPath = `enrollments/${person.id}/${name}.jpg`;
  await root().people.addPersonImage({
    personId: person.id,
    imageName: `${name}.jpg`,
    contentHash: hash64(`${name}-${suffix}`),
    descriptor: descriptor(),
    storedPath,
  });
  return { person, storedPath };
}

/** A PROCESSED image with one face, matched to `personId` when given, received `hoursAgo`. */
async function seedProcessed(file: string, personId: number | null, hoursAgo = 0) {
  const { ingest, claims } = root();
  const [id] = (await ingest.createImages([file])).ids;
  const claim = await claims.claim(id!, 60_000);
  if (claim.kind !== 'claimed') throw new Error('seed: claim failed');
  await claims.complete(claim.claim, [
    {
      box: { x: 1, y: 2, width: 30, height: 30 },
      score: 0.9,
      personId,
      distance: personId === null ? null : 0.3,
    },
  ]);
  if (hoursAgo > 0) {
    const at = new Date(Date.now() - hoursAgo * HOUR);
    await database.db
      .updateTable('images')
      .set({ created_at: at, updated_at: at } as never)
      .where('id', '=', id!)
      .execute();
  }
  return id!;
}

async function imageExists(id: number) {
  return (await root().reads.get(id)) !== undefined;
}

beforeAll(async () => {
  database = await createTestDatabase('facetrail_grants');
  passwords = passwordsFor(suffix);
  const run = runUsersScript({ MYSQL_DATABASE: database.name, ...passwords });
  if (run.status !== 0) throw new Error(`zz_users.sh failed: ${run.stderr}`);
  script = parseUsersSql(run.stdout);
  await asMysqlRoot(async (conn) => {
    for (const statement of forThisRun(script.statements)) await conn.query(statement);
  });
  for (const component of DB_COMPONENTS) {
    connections.set(component, connectDatabase({ url: urlOf(component), poolSize: 2 }));
  }
});

afterAll(async () => {
  for (const db of connections.values()) await db.destroy();
  await asMysqlRoot(async (conn) => {
    for (const component of DB_COMPONENTS) {
      await conn.query(`DROP USER IF EXISTS '${runUser(dbUserOf(component))}'@'%'`);
    }
  });
  await database?.drop();
});

describe('zz_users.sh on MariaDB', () => {
  it('creates one user per component that holds a database URL, granted on its database only', () => {
    expect([...script.passwords.keys()].sort()).toEqual(DB_COMPONENTS.map(dbUserOf).sort());
    expect([...script.grants.keys()].sort()).toEqual(DB_COMPONENTS.map(dbUserOf).sort());
    expect([...script.databases]).toEqual([database.name]);
    for (const component of DB_COMPONENTS) {
      expect(script.passwords.get(dbUserOf(component))).toBe(
        passwords[`FACETRAIL_${component.toUpperCase()}_DB_PASSWORD`],
      );
    }
  });

  it('grants only table rights: nothing global or database-wide, no DDL, no GRANT OPTION', async () => {
    for (const component of DB_COMPONENTS) {
      const user = runUser(dbUserOf(component));
      const [rows] = await asMysqlRoot((conn) => conn.query(`SHOW GRANTS FOR '${user}'@'%'`));
      const lines = (rows as Record<string, string>[]).map((row) => Object.values(row)[0]!);
      for (const line of lines) {
        const where = `${component}: ${line}`;
        if (/ ON \*\.\* /.test(line)) {
          expect(where).toMatch(/^[^:]+: GRANT USAGE ON \*\.\* /);
          continue;
        }
        expect(where).toMatch(new RegExp(`ON \`${database.name}\`\\.\`[a-z_]+\` TO `));
        expect(where).not.toMatch(/WITH GRANT OPTION|ALL PRIVILEGES/);
        expect(where).not.toMatch(/\b(CREATE|DROP|ALTER|INDEX|REFERENCES|TRIGGER)\b/);
      }
      // Exactly the tables the script names: the grants arrived as written.
      const tables = lines
        .map((line) => /ON `[^`]+`\.`([a-z_]+)`/.exec(line)?.[1])
        .filter((table) => table !== undefined);
      expect(tables.sort()).toEqual([...script.grants.get(dbUserOf(component))!.keys()].sort());
    }
  });

  it('every table of the schema has a component granted on it (a migration that adds a table adds its grants too)', async () => {
    const [rows] = await asMysqlRoot((conn) =>
      conn.query(
        'SELECT table_name AS name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1',
        [database.name],
      ),
    );
    const tables = (rows as { name: string }[]).map((row) => row.name);
    expect(tables).toContain('images');
    const granted = new Set([...script.grants.values()].flatMap((tables) => [...tables.keys()]));
    // schema_migrations is the migrator's (the owner's) alone.
    const ungranted = tables.filter(
      (table) => !granted.has(table) && table !== 'schema_migrations',
    );
    expect({ ungranted, fix: 'add its grants to knative/sql/zz_users.sh' }).toEqual({
      ungranted: [],
      fix: 'add its grants to knative/sql/zz_users.sh',
    });
    expect(granted.has('schema_migrations')).toBe(false);
  });

  it.each(Object.entries(WIRING))(
    '%s: its code builds the repositories this test runs as its user (%s)',
    (component, file) => {
      const built = [...readRepoFile(file).matchAll(/new (\w+Repository)\(/g)].map((m) => m[1]);
      const tested: Record<string, string[]> = {
        receiver: [
          'DeadLettersRepository',
          'FacesRepository',
          'ImageIngestRepository',
          'ImageReadsRepository',
          'KeysRepository',
          'PeopleRepository',
          'PrivacyRepository',
        ],
        processor: ['ImageClaimsRepository'],
        frontend: [
          'AuditRepository',
          'FacesRepository',
          'ImageReadsRepository',
          'KeysRepository',
          'PeopleAdminRepository',
          'PeopleRepository',
          'PrivacyRepository',
          'ResultsRepository',
        ],
        redeemer: [
          'DeadLettersRepository',
          'ImageSweepRepository',
          'PrivacyRepository',
          'UnclaimedImagesRepository',
        ],
        recognizer: ['PeopleRepository', 'PrivacyRepository'],
      };
      expect([...new Set(built)].sort()).toEqual(tested[component]);
    },
  );
});

describe('each component does its work as its own user', () => {
  let imagesRoot: string;

  beforeAll(async () => {
    imagesRoot = await mkdtemp(path.join(tmpdir(), 'facetrail-grants-'));
  });
  afterAll(async () => {
    await rm(imagesRoot, { recursive: true, force: true });
  });

  async function storedFile(relative: string) {
    await mkdir(path.dirname(path.join(imagesRoot, relative)), { recursive: true });
    await writeFile(path.join(imagesRoot, relative), 'photo');
    return path.join(imagesRoot, relative);
  }

  it('receiver: submits and publishes, reads, creates people, manages keys, forgets and deletes', async () => {
    const { ingest, reads, people, keys, privacy, faces } = as('receiver');
    // POST /images with an Idempotency-Key, then the publish is recorded.
    const idempotency = { key: `key-${suffix}`, requestHash: hash64('body') };
    const submitted = await ingest.createImages(['cam/1.jpg', 'cam/2.jpg'], idempotency);
    expect(await ingest.createImages(['cam/1.jpg', 'cam/2.jpg'], idempotency)).toEqual({
      ids: submitted.ids,
      replayed: true,
    });
    // A replay found before the upload is read (findReplay).
    expect(await ingest.findByIdempotencyKey(idempotency)).toEqual(submitted.ids);
    await ingest.markPublished(submitted.ids);
    expect((await reads.getMany(submitted.ids)).map((image) => image.status)).toEqual([
      'PENDING',
      'PENDING',
    ]);

    // GET /dead-letters, POST /dead-letters/replay, DELETE /dead-letters.
    expect(
      await recordDeadLetter(root().deadLetters, deadLetterOf(submitted.ids[0]!, `r-${suffix}`)),
    ).toBe('stored');
    const { deadLetters } = as('receiver');
    await deadLetters.dropSettled();
    const letter = (await deadLetters.list({ limit: 1000 })).find(
      (entry) => entry.imageId === submitted.ids[0],
    );
    expect(letter).toBeDefined();
    expect(await deadLetters.forReplay([letter!.id], 10)).toHaveLength(1);
    await deadLetters.markReplayed([letter!.id]);
    expect(await deadLetters.purge([letter!.id])).toBe(1);

    // GET /images, /images/:id, /people.
    const { person, storedPath } = await seedPerson('Ada');
    const seen = await seedProcessed('uploads/ada.jpg', person.id);
    expect((await reads.get(seen))?.people).toEqual([{ id: person.id, name: person.name }]);
    const listed = await ingest.list({ limit: 10, personId: person.id });
    expect(listed.images.map((image) => image.id)).toEqual([seen]);
    const everyone = await people.list();
    expect(everyone.find((p) => p.id === person.id)).toMatchObject({ photos: 1, sightings: 1 });

    // POST /rescore: reads the stored faces' descriptors and writes new decisions.
    const replayable = await root()
      .faces.listReplayable({ afterId: 0, limit: 1000 })
      .then((list) => list.length);
    await database.db
      .updateTable('faces')
      .set({
        descriptor: Buffer.alloc(512),
        descriptor_version: 'v1',
        match_version: 'rule 1',
        quality_size: 200,
        quality_sharpness: 0.9,
        quality_yaw: 0,
        quality_roll: 0,
      })
      .where('image_id', '=', seen)
      .execute();
    const stored = await faces.listReplayable({ afterId: 0, limit: 1000 });
    expect(stored).toHaveLength(replayable + 1);
    const face = stored.find((candidate) => candidate.imageId === seen)!;
    await faces.setDecision(face.id, {
      personId: person.id,
      distance: 0.25,
      unidentifiable: null,
      matchVersion: 'rule 2',
    });
    expect((await reads.get(seen))?.faces[0]).toMatchObject({ distance: 0.25 });

    // POST /people lifts a tombstone of the same name.
    const created = await people.create(`Grace ${suffix}`);
    await privacy.clearTombstone(created.name);
    expect(await people.get(created.id)).toEqual(created);

    // Keys: the admin manages them; every request looks its key up and records its use.
    const key = `ftk_${randomBytes(16).toString('hex')}`;
    const record = await keys.create({
      name: `cam-${suffix}`,
      role: 'ingest',
      keyHash: hashApiKey(key),
    });
    expect((await keys.list()).map((k) => k.name)).toContain(record.name);
    const authenticator = new Authenticator({ keys, cacheMs: 0, logger });
    expect(await authenticator.authenticate(key)).toMatchObject({ role: 'ingest' });
    const at = new Date('2026-11-29T12:00:00.000Z');
    await keys.touch(record.id, at);
    expect((await keys.findById(record.id))?.lastUsedAt).toBe(at.toISOString());
    expect(await keys.revoke(record.name)).toBe(true);

    // DELETE /people/:id and DELETE /images/:id, files included.
    const enrollment = await storedFile(storedPath);
    const upload = await storedFile('uploads/ada.jpg');
    const forgotten = await forgetPerson({ privacy, imagesRoot, logger }, person.id);
    expect(forgotten).toEqual({ id: person.id, facesUnmatched: 1, filesRemoved: 1 });
    expect(existsSync(enrollment)).toBe(false);
    expect(await root().privacy.isForgotten(person.name)).toBe(true);
    expect((await reads.get(seen))?.faces[0]?.person).toBeNull();
    expect(await deleteImage({ privacy, imagesRoot, logger }, seen)).toEqual({
      id: seen,
      fileRemoved: true,
    });
    expect(existsSync(upload)).toBe(false);
    expect(await imageExists(seen)).toBe(false);
  });

  it('processor: claims images, completes them with their faces, fails or hands them back', async () => {
    const { claims } = as('processor');
    const { person } = await seedPerson('Alan');
    const { ids } = await root().ingest.createImages(['a.jpg', 'b.jpg', 'c.jpg']);
    const [done, broken, retried] = ids as [number, number, number];

    const first = await claims.claim(done, 60_000);
    expect(first.kind).toBe('claimed');
    if (first.kind !== 'claimed') return;
    const face = { box: { x: 1, y: 2, width: 30, height: 30 }, score: 0.9 };
    expect(
      await claims.complete(first.claim, [
        { ...face, personId: person.id, distance: 0.3 },
        { ...face, personId: null, distance: null },
      ]),
    ).toBe(true);
    // A duplicate delivery meets the final status.
    expect(await claims.claim(done, 60_000)).toEqual({ kind: 'final', status: 'PROCESSED' });
    const record = await root().reads.get(done);
    expect(record?.faces.map((f) => f.person?.id ?? null)).toEqual([person.id, null]);

    const second = await claims.claim(broken, 60_000);
    if (second.kind !== 'claimed') throw new Error('not claimed');
    expect(await claims.fail(second.claim, 'CORRUPT_IMAGE', 'broken')).toBe(true);
    const third = await claims.claim(retried, 60_000);
    if (third.kind !== 'claimed') throw new Error('not claimed');
    expect(
      await claims.release(third.claim, 'RECOGNIZER_UNAVAILABLE', 'down', { uncount: true }),
    ).toBe(true);
    // The recognizer died on a photo while the claim held: the photo is counted a suspect.
    const fourth = await claims.claim(retried, 60_000);
    if (fourth.kind !== 'claimed') throw new Error('not claimed');
    expect(await claims.recordCrash(fourth.claim, { alone: true })).toBe(1);
    expect(await claims.release(fourth.claim, 'RECOGNIZER_CRASHED', 'crashed')).toBe(true);
    expect((await root().reads.getMany([broken, retried])).map((i) => i.status)).toEqual([
      'FAILED',
      'PENDING',
    ]);
  });

  it('frontend: reads results, people and keys, records key use, forgets and deletes for an admin', async () => {
    const { reads, people, keys, privacy } = as('frontend');
    const { person, storedPath } = await seedPerson('Edsger');
    const seen = await seedProcessed('uploads/edsger.jpg', person.id);
    const key = `ftk_${randomBytes(16).toString('hex')}`;
    const record = await root().keys.create({
      name: `screen-${suffix}`,
      role: 'viewer',
      keyHash: hashApiKey(key),
    });

    // Sign-in and sessions look keys up by hash and by id, and record their use.
    const authenticator = new Authenticator({ keys, cacheMs: 0, logger });
    expect(await authenticator.authenticate(key)).toMatchObject({ role: 'viewer' });
    expect((await keys.findById(record.id))?.name).toBe(record.name);
    const at = new Date('2026-11-29T13:00:00.000Z');
    await keys.touch(record.id, at);
    expect((await root().keys.findById(record.id))?.lastUsedAt).toBe(at.toISOString());

    // The pages and JSON routes.
    expect((await reads.getMany([seen])).map((i) => i.people)).toEqual([
      [{ id: person.id, name: person.name }],
    ]);
    expect((await reads.get(seen))?.faces).toHaveLength(1);
    expect(await people.get(person.id)).toEqual(person);
    expect((await people.list()).map((p) => p.id)).toContain(person.id);

    // An admin's delete and forget.
    const upload = await storedFile('uploads/edsger.jpg');
    const enrollment = await storedFile(storedPath);
    expect(await deleteImage({ privacy, imagesRoot, logger }, seen)).toEqual({
      id: seen,
      fileRemoved: true,
    });
    expect(existsSync(upload)).toBe(false);
    expect(await forgetPerson({ privacy, imagesRoot, logger }, person.id)).toEqual({
      id: person.id,
      facesUnmatched: 0,
      filesRemoved: 1,
    });
    expect(existsSync(enrollment)).toBe(false);
    expect(await root().people.get(person.id)).toBeUndefined();
  });

  it('frontend: the results page reads, and an admin adds, renames, merges and unenrolls, logged', async () => {
    const { results, admin, audit, people, privacy } = as('frontend');
    const actor = { name: 'admin-key', role: 'admin' };
    const { person } = await seedPerson('Margaret');
    const seen = await seedProcessed('door-3/margaret.jpg', person.id, 2);
    const unknown = await seedProcessed('door-3/stranger.jpg', null, 1);
    // Filters, both cursors, doors, stats, faces, sightings per day, the live feed's mark.
    const page = await results.search({ personId: person.id }, undefined, 10);
    expect(page.ids).toEqual([seen]);
    expect((await results.search({ unknownOnly: true }, { after: seen }, 10)).ids).toContain(
      unknown,
    );
    const since = new Date(Date.now() - 3 * HOUR);
    expect(
      (await results.search({ from: since, to: new Date(), status: 'PROCESSED' }, undefined, 50))
        .ids,
    ).toEqual(expect.arrayContaining([seen, unknown]));
    await results.doors();
    expect((await results.stats([person.id])).get(person.id)).toMatchObject({
      photos: 1,
      sightings: 1,
    });
    expect(await results.enrollmentPhotos(person.id)).toHaveLength(1);
    expect((await results.faceSource(person.id))?.kind).toBe('enrollment');
    expect(await results.sightingsBetween(person.id, [since, new Date(Date.now() + HOUR)])).toEqual(
      [1],
    );
    expect((await results.highWaterMark()).maxId).toBeGreaterThanOrEqual(unknown);
    expect((await results.changedSince(since, 100)).map((change) => change.id)).toContain(seen);
    expect((await results.findPeople(person.name)).map((p) => p.id)).toEqual([person.id]);
    // Adding a person from the page (the recognizer stores the photo), renaming, merging.
    const added = await people.create(`Added ${suffix}`);
    await privacy.clearTombstone(added.name);
    expect(await admin.rename(added.id, `Renamed ${suffix}`)).toEqual({ oldName: added.name });
    const merged = await admin.merge(added.id, person.id);
    expect(merged).toMatchObject({ photos: 0, faces: 0 });
    const [photo] = await results.enrollmentPhotos(person.id);
    expect(await admin.removePhoto(person.id, photo!.id)).toMatchObject({
      imageName: 'Margaret.jpg',
    });
    await audit.record({
      actor,
      action: 'person.rename',
      personId: person.id,
      details: { to: 'x' },
    });
    expect((await audit.list({ limit: 5 })).entries[0]).toMatchObject({ action: 'person.rename' });
    // "This is …": a stored face's descriptor becomes an enrollment, then the photo's faces are
    // decided again (functions/frontend/face-actions.ts).
    const faceId = (await root().reads.get(seen))!.faces[0]!.id;
    const { faces } = as('frontend');
    expect(await faces.forAssignment(faceId)).toMatchObject({ imageId: seen });
    expect(
      await people.addPersonImage({
        personId: person.id,
        imageName: `face-${faceId}.jpg`,
        contentHash: hash64(`face-${faceId}-${suffix}`),
        descriptor: descriptor(),
        storedPath: `enrollments/${person.id}/face.jpg`,
      }),
    ).toMatchObject({ alreadyEnrolled: false });
    await faces.listReplayable({ afterId: 0, limit: 10, imageIds: [seen] });
    await faces.setDecision(faceId, {
      personId: person.id,
      distance: 0.1,
      unidentifiable: null,
      matchVersion: 'rule 1',
    });
    // Forgetting clears the names in the person's audit entries (receiver and frontend alike).
    await forgetPerson({ privacy, imagesRoot, logger }, person.id);
    expect((await audit.list({ personId: person.id, limit: 5 })).entries[0]?.details).toBeNull();
  });

  it('redeemer: finds stranded images and re-publishes them, purges expired results', async () => {
    const { sweep, privacy } = as('redeemer');
    const { ids } = await root().ingest.createImages(['stuck.jpg']);
    const stuck = ids[0]!;
    const hourAgo = new Date(Date.now() - HOUR);
    await database.db
      .updateTable('images')
      .set({ updated_at: hourAgo } as never)
      .where('id', '=', stuck)
      .execute();
    const stranded = await sweep.findStranded({
      unpublishedMs: 30_000,
      republishAfterMs: 15 * 60_000,
      limit: 500,
    });
    expect(stranded.map((image) => image.id)).toContain(stuck);
    expect((await sweep.listPending(0, 500)).map((image) => image.id)).toContain(stuck);
    await sweep.markPublished([stuck]);
    // Lost messages: PENDING images published long ago and not claimed since.
    const { unclaimed, deadLetters } = as('redeemer');
    const later = new Date(Date.now() + HOUR);
    expect(await unclaimed.count(later)).toBeGreaterThanOrEqual(1);
    expect((await unclaimed.oldest(later, 500)).map((image) => image.id)).toContain(stuck);
    // Dead letters drained from nsqd: stored, or dropped when the image is final.
    expect(await recordDeadLetter(deadLetters, deadLetterOf(stuck, `d-${suffix}`))).toBe('stored');
    expect(await recordDeadLetter(deadLetters, deadLetterOf(stuck, `d-${suffix}`))).toBe(
      'duplicate',
    );

    // Retention, as the redeemer's schedule runs it: old results and their uploads go.
    const old = await seedProcessed('uploads/old.jpg', null, 200);
    const fresh = await seedProcessed('uploads/fresh.jpg', null, 1);
    const oldFile = await storedFile('uploads/old.jpg');
    const freshFile = await storedFile('uploads/fresh.jpg');
    const purged = await purgeExpired({
      privacy,
      imagesRoot,
      logger,
      policy: { retentionHours: 72, retentionUnknownHours: 24, deleteCameraFiles: false },
    });
    expect(purged.images).toBeGreaterThanOrEqual(1);
    expect(await imageExists(old)).toBe(false);
    expect(existsSync(oldFile)).toBe(false);
    expect(await imageExists(fresh)).toBe(true);
    expect(existsSync(freshFile)).toBe(true);
    expect(await privacy.pathInUse('uploads/fresh.jpg', [])).toBe(true);
  });

  it("each component's user ran every method of the image repositories its wiring builds", () => {
    // Its wiring builds them (checked above); the tests above ran them as its user. Missing one
    // means a method no grant was proven for.
    const built: Record<string, Array<new (db: Db) => object>> = {
      receiver: [ImageIngestRepository, ImageReadsRepository],
      processor: [ImageClaimsRepository],
      frontend: [ImageReadsRepository],
      redeemer: [ImageSweepRepository],
    };
    // Only standalone mode (one database user, its own queue) hands back orphaned claims.
    const standaloneOnly = new Set(['ImageClaimsRepository.releaseOrphanedClaims']);
    for (const [component, classes] of Object.entries(built)) {
      const methods = classes.flatMap((repo) =>
        Object.getOwnPropertyNames(repo.prototype)
          .filter((name) => name !== 'constructor')
          .map((name) => `${repo.name}.${name}`)
          .filter((method) => !standaloneOnly.has(method)),
      );
      const ran = exercised.get(component as DbComponent) ?? new Set();
      expect({ component, missing: methods.filter((method) => !ran.has(method)) }).toEqual({
        component,
        missing: [],
      });
    }
  });

  it('recognizer: loads its gallery, enrolls photos and folder people, skipping forgotten ones', async () => {
    const { people, privacy } = as('recognizer');
    // KNOWN_PEOPLE_DIR at start: find or create each folder's person, unless forgotten.
    const folder = await people.findOrCreate(`Barbara ${suffix}`);
    expect(await people.findOrCreate(folder.name)).toEqual(folder);
    expect(await privacy.isForgotten(folder.name)).toBe(false);
    const { person } = await seedPerson('Forgotten');
    await root().privacy.forgetPerson(person.id);
    expect(await privacy.isForgotten(person.name)).toBe(true);

    // Enroll: the person exists, the photo is new, its descriptor is stored.
    expect(await people.get(folder.id)).toEqual(folder);
    const contentHash = hash64(`barbara-${suffix}`);
    expect(await people.findPersonImageByHash(contentHash)).toBeUndefined();
    const stored = await people.addPersonImage({
      personId: folder.id,
      imageName: 'barbara.jpg',
      contentHash,
      descriptor: descriptor(),
      storedPath: null,
    });
    expect(stored.alreadyEnrolled).toBe(false);
    expect(
      await people.addPersonImage({
        personId: folder.id,
        imageName: 'again.jpg',
        contentHash,
        descriptor: descriptor(),
      }),
    ).toEqual({ id: stored.id, alreadyEnrolled: true });

    // The gallery and its version.
    const gallery = await people.allDescriptors();
    expect(gallery.find((entry) => entry.personImageId === stored.id)?.personName).toBe(
      folder.name,
    );
    expect(await people.galleryVersion()).toMatch(/^\d+:\d+:\d+$/);
  });
});

describe('what a component must not do is refused', () => {
  let fixture: { personId: number; imageId: number; keyId: number };

  beforeAll(async () => {
    const { person } = await seedPerson('Untouchable');
    const imageId = await seedProcessed('cam/untouchable.jpg', person.id);
    const key = await root().keys.create({
      name: `untouchable-${suffix}`,
      role: 'viewer',
      keyHash: hash64(`untouchable-${suffix}`),
    });
    fixture = { personId: person.id, imageId, keyId: key.id };
  });

  type Repos = ReturnType<typeof reposOf>;
  const anImage = ['x.jpg'];
  const newKey = () => ({
    name: `x-${randomBytes(4).toString('hex')}`,
    role: 'admin' as const,
    keyHash: hash64(randomBytes(8).toString('hex')),
  });
  const aPhoto = () => ({
    personId: fixture.personId,
    imageName: 'x.jpg',
    contentHash: hash64(randomBytes(8).toString('hex')),
    descriptor: descriptor(),
  });
  /** Changing what an enrollment photo is (its descriptor): nobody but the recognizer writes those. */
  const renamePhoto = (db: Db) =>
    db
      .updateTable('person_images')
      .set({ image_name: 'renamed.jpg' })
      .where('person_id', '=', fixture.personId)
      .execute();
  const makeAdmin = (db: Db) =>
    db.updateTable('api_keys').set({ role: 'admin' }).where('id', '=', fixture.keyId).execute();
  const writeFace = (db: Db) =>
    db
      .insertInto('faces')
      .values({
        image_id: fixture.imageId,
        face_index: 9,
        box_x: 0,
        box_y: 0,
        box_width: 1,
        box_height: 1,
        score: 1,
        person_id: null,
        distance: null,
      })
      .execute();

  const cases: Array<[DbComponent, string, (r: Repos, db: Db) => Promise<unknown>]> = [
    [
      'receiver',
      'store a descriptor (the recognizer enrolls)',
      (r) => r.people.addPersonImage(aPhoto()),
    ],
    ['receiver', 'write faces (the processor does)', (_r, db) => writeFace(db)],
    ['receiver', "change a key's role", (_r, db) => makeAdmin(db)],
    ['processor', 'read API keys', (r) => r.keys.findByHash(hash64('any'))],
    ['processor', "record a key's use", (r) => r.keys.touch(fixture.keyId, new Date())],
    ['processor', 'read people', (r) => r.people.list()],
    ['processor', 'submit an image', (r) => r.ingest.createImages(anImage)],
    ['processor', 'delete an image', (r) => r.privacy.deleteImage(fixture.imageId)],
    ['frontend', 'submit an image (INSERT images)', (r) => r.ingest.createImages(anImage)],
    ['frontend', 'claim an image (UPDATE images)', (r) => r.claims.claim(fixture.imageId, 1000)],
    [
      'frontend',
      'change an enrollment photo (only its person_id moves)',
      (_r, db) => renamePhoto(db),
    ],
    ['frontend', 'create an API key', (r) => r.keys.create(newKey())],
    ['frontend', 'revoke an API key', (r) => r.keys.revoke(`untouchable-${suffix}`)],
    ['frontend', "change a key's role (only last_used_at)", (_r, db) => makeAdmin(db)],
    ['frontend', 'write faces', (_r, db) => writeFace(db)],
    ['redeemer', 'read API keys', (r) => r.keys.list()],
    ['redeemer', 'read people', (r) => r.people.list()],
    ['redeemer', 'submit an image', (r) => r.ingest.createImages(anImage)],
    ['redeemer', 'forget a person', (r) => r.privacy.forgetPerson(fixture.personId)],
    ['recognizer', 'delete an image', (r) => r.privacy.deleteImage(fixture.imageId)],
    ['recognizer', 'read results', (r) => r.reads.getMany([fixture.imageId])],
    ['recognizer', 'forget a person', (r) => r.privacy.forgetPerson(fixture.personId)],
    ['recognizer', 'lift a tombstone', (r) => r.privacy.clearTombstone('x')],
    ['recognizer', 'read API keys', (r) => r.keys.list()],
    ['recognizer', 'write faces', (_r, db) => writeFace(db)],
  ];

  it.each(cases.map(([component, what, run]) => [component, what, run] as const))(
    '%s may not %s',
    async (component, what, run) => {
      const code = await outcome(() => run(as(component), connections.get(component)!));
      expect({ what, refused: DENIED.includes(code) ? true : code }).toEqual({
        what,
        refused: true,
      });
    },
  );

  it.each([...DB_COMPONENTS])(
    '%s may not change the schema or read the migrations record',
    async (component) => {
      const db = connections.get(component)!;
      const attempts = [
        () => db.schema.createTable(`x_${suffix}`).addColumn('id', 'integer').execute(),
        () => db.schema.dropTable('images').execute(),
        () => db.schema.alterTable('images').addColumn('x', 'integer').execute(),
        () => sql`SELECT * FROM schema_migrations`.execute(db),
      ];
      for (const [index, attempt] of attempts.entries()) {
        const code = await outcome(attempt);
        expect({ index, refused: DENIED.includes(code) ? true : code }).toEqual({
          index,
          refused: true,
        });
      }
    },
  );

  it('the refused attempts changed nothing', async () => {
    const record = await root().reads.get(fixture.imageId);
    expect(record?.status).toBe('PROCESSED');
    expect(record?.faces.map((face) => face.person?.id)).toEqual([fixture.personId]);
    expect(await root().people.get(fixture.personId)).toBeDefined();
    expect((await root().keys.findById(fixture.keyId))?.role).toBe('viewer');
    const [rows] = await asMysqlRoot((conn) =>
      conn.query(`SELECT COUNT(*) AS n FROM \`${database.name}\`.images WHERE path = 'x.jpg'`),
    );
    expect(Number((rows as { n: number }[])[0]!.n)).toBe(0);
  });
});

describe('run again by hand', () => {
  it('the same statements run twice, and a new password in the Secret replaces the old one', async () => {
    const changed = {
      ...passwords,
      FACETRAIL_REDEEMER_DB_PASSWORD: `rotated-${suffix}-fedcba9876543210`,
    };
    const run = runUsersScript({ MYSQL_DATABASE: database.name, ...changed });
    expect(run.status).toBe(0);
    const again = parseUsersSql(run.stdout);
    await asMysqlRoot(async (conn) => {
      for (const statement of forThisRun(again.statements)) await conn.query(statement);
    });
    const connect = async (password: string) =>
      outcome(async () => {
        const url = new URL(urlOf('redeemer', password));
        const conn = await createConnection(url.toString());
        await conn.end();
      });
    expect(await connect(changed.FACETRAIL_REDEEMER_DB_PASSWORD)).toBe('allowed');
    expect(await connect(passwords.FACETRAIL_REDEEMER_DB_PASSWORD!)).toBe('ER_ACCESS_DENIED_ERROR');
    // Grants are unchanged by the second run.
    const [rows] = await asMysqlRoot((conn) =>
      conn.query(`SHOW GRANTS FOR '${runUser(dbUserOf('redeemer'))}'@'%'`),
    );
    expect((rows as unknown[]).length).toBe(1 + script.grants.get(dbUserOf('redeemer'))!.size);
  });
});

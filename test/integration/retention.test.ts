import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { DatabaseKind } from '../../lib/db/connect.js';
import { ImageIngestRepository } from '../../lib/db/images/ingest-repo.js';
import { ImageClaimsRepository } from '../../lib/db/images/claims-repo.js';
import { ImageReadsRepository } from '../../lib/db/images/reads-repo.js';
import { PeopleRepository } from '../../lib/db/people-repo.js';
import { PrivacyRepository } from '../../lib/db/privacy-repo.js';
import { createLogger } from '../../lib/logger.js';
import { purgeExpired, type RetentionPolicy } from '../../lib/privacy/retention.js';
import { createTestDatabase, type TestDatabase } from '../support/database.js';

const HOUR = 3_600_000;

describe.each<DatabaseKind>(['sqlite', 'mysql'])('retention purge on %s', (kind) => {
  let database: TestDatabase;
  let root: string;
  let ingest: ImageIngestRepository;
  let claims: ImageClaimsRepository;
  let reads: ImageReadsRepository;
  /** The moment the purge runs: a fixed clock, days after the photos below. */
  const now = new Date('2026-11-29T12:00:00.000Z');
  const policy: RetentionPolicy = {
    retentionHours: 72,
    retentionUnknownHours: 24,
    deleteCameraFiles: false,
  };

  /** An image received `hoursAgo` before `now`, finished with `status`, matched or not. */
  async function image(
    file: string,
    hoursAgo: number,
    outcome: 'matched' | 'unknown' | 'no-face' | 'failed' | 'pending',
    personId: number,
  ): Promise<number> {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), 'photo');
    const [id] = (await ingest.createImages([file])).ids;
    const at = new Date(now.getTime() - hoursAgo * HOUR);
    await database.db
      .updateTable('images')
      .set({ created_at: at, updated_at: at } as never)
      .where('id', '=', id!)
      .execute();
    if (outcome === 'pending') return id!;
    const claim = await claims.claim(id!, 60_000);
    if (claim.kind !== 'claimed') throw new Error('claim failed');
    if (outcome === 'failed') await claims.fail(claim.claim, 'CORRUPT_IMAGE', 'broken');
    else {
      const face = { box: { x: 1, y: 2, width: 30, height: 30 }, score: 0.9 };
      await claims.complete(
        claim.claim,
        outcome === 'no-face'
          ? []
          : [
              {
                ...face,
                personId: outcome === 'matched' ? personId : null,
                distance: outcome === 'matched' ? 0.3 : null,
              },
            ],
      );
    }
    return id!;
  }

  beforeAll(async () => {
    database = await createTestDatabase('facetrail_retention', { kind });
    ingest = new ImageIngestRepository(database.db);
    claims = new ImageClaimsRepository(database.db);
    reads = new ImageReadsRepository(database.db);
    root = await mkdtemp(path.join(tmpdir(), 'facetrail-retention-'));
  });
  afterAll(async () => {
    await database?.drop();
    await rm(root, { recursive: true, force: true });
  });

  it('deletes what is past its retention, rows and uploads, and keeps everything else', async () => {
    const person = await new PeopleRepository(database.db).create('Ada');
    const ids = {
      oldMatched: await image('uploads/2026-11-25/old-matched.jpg', 80, 'matched', person.id),
      recentMatched: await image('uploads/2026-11-28/recent-matched.jpg', 30, 'matched', person.id),
      oldUnknown: await image('uploads/2026-11-28/old-unknown.jpg', 30, 'unknown', person.id),
      oldNoFace: await image('door-1/old-no-face.jpg', 25, 'no-face', person.id),
      oldFailed: await image('uploads/2026-11-28/old-failed.jpg', 26, 'failed', person.id),
      recentUnknown: await image('uploads/2026-11-29/recent-unknown.jpg', 2, 'unknown', person.id),
      // Unfinished work is never purged, however old: it still owes a final status.
      ancientPending: await image('uploads/2026-11-20/pending.jpg', 200, 'pending', person.id),
      oldCamera: await image('door-2/old-camera.jpg', 100, 'matched', person.id),
    };
    const result = await purgeExpired({
      privacy: new PrivacyRepository(database.db),
      imagesRoot: root,
      policy,
      logger: createLogger('test', 'silent'),
      now: () => now,
      batchSize: 2,
    });
    const gone = [ids.oldMatched, ids.oldUnknown, ids.oldNoFace, ids.oldFailed, ids.oldCamera];
    const kept = [ids.recentMatched, ids.recentUnknown, ids.ancientPending];
    expect(result).toEqual({ images: gone.length, files: 3, batches: 3 });
    const left = (await database.db.selectFrom('images').select('id').execute()).map((row) =>
      Number(row.id),
    );
    expect(left.sort((a, b) => a - b)).toEqual([...kept].sort((a, b) => a - b));
    const faces = await database.db.selectFrom('faces').select('image_id').execute();
    expect(faces.every((face) => kept.includes(Number(face.image_id)))).toBe(true);
    // facetrail's uploads go with their rows; the cameras' own files stay unless told.
    expect(existsSync(path.join(root, 'uploads/2026-11-25/old-matched.jpg'))).toBe(false);
    expect(existsSync(path.join(root, 'uploads/2026-11-28/old-unknown.jpg'))).toBe(false);
    expect(existsSync(path.join(root, 'uploads/2026-11-28/old-failed.jpg'))).toBe(false);
    expect(existsSync(path.join(root, 'door-1/old-no-face.jpg'))).toBe(true);
    expect(existsSync(path.join(root, 'door-2/old-camera.jpg'))).toBe(true);
    expect(existsSync(path.join(root, 'uploads/2026-11-28/recent-matched.jpg'))).toBe(true);
    expect(existsSync(path.join(root, 'uploads/2026-11-20/pending.jpg'))).toBe(true);

    // A second run finds nothing more.
    expect(
      await purgeExpired({
        privacy: new PrivacyRepository(database.db),
        imagesRoot: root,
        policy,
        logger: createLogger('test', 'silent'),
        now: () => now,
      }),
    ).toEqual({ images: 0, files: 0, batches: 0 });
  });

  it('deletes camera files only when told, and never one another image still uses', async () => {
    const person = await new PeopleRepository(database.db).create('Grace');
    const shared = 'door-3/shared.jpg';
    const first = await image(shared, 100, 'matched', person.id);
    const second = await image(shared, 1, 'matched', person.id);
    const alone = await image('door-3/alone.jpg', 100, 'matched', person.id);
    // A symbolic link out of the root is never followed.
    const outside = path.join(path.dirname(root), `${path.basename(root)}-outside.jpg`);
    await writeFile(outside, 'not facetrail’s');
    const { symlink } = await import('node:fs/promises');
    await symlink(outside, path.join(root, 'door-3/link.jpg'));
    const linked = await image('door-3/link-row.jpg', 100, 'matched', person.id);
    await database.db
      .updateTable('images')
      .set({ path: 'door-3/link.jpg' })
      .where('id', '=', linked)
      .execute();

    const result = await purgeExpired({
      privacy: new PrivacyRepository(database.db),
      imagesRoot: root,
      policy: { ...policy, deleteCameraFiles: true },
      logger: createLogger('test', 'silent'),
      now: () => now,
    });
    expect(result.images).toBe(3);
    expect(await reads.get(first)).toBeUndefined();
    expect(await reads.get(alone)).toBeUndefined();
    expect(await reads.get(second)).toBeDefined();
    expect(existsSync(path.join(root, shared))).toBe(true);
    expect(existsSync(path.join(root, 'door-3/alone.jpg'))).toBe(false);
    // The link itself went; what it pointed at outside the root did not.
    expect(existsSync(path.join(root, 'door-3/link.jpg'))).toBe(false);
    expect(existsSync(outside)).toBe(true);
    await rm(outside);
  });

  it('keeps everything when retention is 0 (for ever)', async () => {
    const before = await database.db.selectFrom('images').select('id').execute();
    const result = await purgeExpired({
      privacy: new PrivacyRepository(database.db),
      imagesRoot: root,
      policy: { retentionHours: 0, retentionUnknownHours: 0, deleteCameraFiles: true },
      logger: createLogger('test', 'silent'),
      now: () => new Date(now.getTime() + 1000 * 24 * HOUR),
    });
    expect(result.images).toBe(0);
    expect(await database.db.selectFrom('images').select('id').execute()).toHaveLength(
      before.length,
    );
  });
});

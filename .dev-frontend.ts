// Dev harness (not committed): a frontend on SQLite with a few rows, on port 18081.
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { connectDatabase, sqliteUrl } from './lib/db/connect.js';
import { migrate } from './lib/db/migrate.js';
import { ImagesRepository } from './lib/db/images-repo.js';
import { PeopleRepository } from './lib/db/people-repo.js';
import { loadFrontendConfig } from './functions/frontend/config.js';
import { createFrontend } from './functions/frontend/wiring.js';
import { createLogger } from './lib/logger.js';
import { serveForTest } from './test/support/function-server.js';

const dir = '/tmp/ftdev';
await rm(dir, { recursive: true, force: true });
await mkdir(path.join(dir, 'images/door-1'), { recursive: true });
const fx = '/work/shared/fixtures';
await copyFile(`${fx}/seed/unknown_people/unknown.jpg`, `${dir}/images/door-1/a.jpg`);
await copyFile(`${fx}/seed/known_people/hannibal_1.jpg`, `${dir}/images/door-1/b.jpg`);
await copyFile(`${fx}/negatives/dog.jpg`, `${dir}/images/dog.jpg`);
const url = sqliteUrl(`${dir}/facetrail.db`);
const db = connectDatabase({ url });
await migrate(db);
const images = new ImagesRepository(db);
const people = new PeopleRepository(db);
const hannibal = await people.create('Hannibal');
const ids = (await images.createImages([
  { path: 'door-1/a.jpg', metadata: { door: 'door-1', capturedAt: new Date('2026-11-25T10:00:00Z'), originalName: 'IMG_0001.jpg' } },
  'door-1/b.jpg', 'dog.jpg', 'door-1/a.jpg',
])).ids;
const claim = async (id: number) => { const o = await images.claim(id, 60000); if (o.kind !== 'claimed') throw new Error(); return o.claim; };
await images.complete(await claim(ids[0]!), [
  { box: { x: 120, y: 60, width: 80, height: 90 }, score: 0.98, personId: hannibal.id, distance: 0.31 },
  { box: { x: 20, y: 40, width: 60, height: 60 }, score: 0.9, personId: null, distance: null },
]);
await images.complete(await claim(ids[1]!), [{ box: { x: 30, y: 30, width: 100, height: 120 }, score: 0.97, personId: hannibal.id, distance: 0.2 }]);
await images.fail(await claim(ids[2]!), 'CORRUPT_IMAGE', 'the image cannot be decoded');
const config = loadFrontendConfig({ DATABASE_URL: url, IMAGES_ROOT: `${dir}/images`, ADMIN_TOKEN: 'dev-admin-token-0123456789', SESSION_SECRET: 'dev-session-secret-0123456789-0123456789', PAGE_SIZE: '2' });
const frontend = createFrontend(config, createLogger('frontend', 'info'));
const server = await serveForTest(frontend.app, config.maxUploadBytes);
console.log('frontend at', server.url, ids);

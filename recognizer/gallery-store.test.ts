import { createLogger } from '../lib/logger.js';
import { waitFor } from '../test/support/wait-for.js';
import type { StoredDescriptor } from '../lib/db/people-repo.js';
import { GalleryStore, type GallerySource } from './gallery-store.js';

function fakeSource() {
  const rows: StoredDescriptor[] = [];
  let loads = 0;
  let versionChecks = 0;
  let fail = false;
  const source: GallerySource = {
    galleryVersion: async () => {
      versionChecks += 1;
      if (fail) throw new Error('database down');
      return `${rows.length}:${rows.at(-1)?.personImageId ?? 0}`;
    },
    allDescriptors: async () => {
      loads += 1;
      return [...rows];
    },
  };
  const add = (personId: number, personName: string) =>
    rows.push({
      personImageId: rows.length + 1,
      personId,
      personName,
      descriptor: new Float32Array(128).fill(personId),
      faceSize: null,
    });
  return {
    source,
    add,
    loads: () => loads,
    versionChecks: () => versionChecks,
    setFailing: (value: boolean) => (fail = value),
  };
}

const logger = createLogger('test', 'silent');
const soon = { timeoutMs: 5_000, intervalMs: 5 };

describe('GalleryStore', () => {
  it('loads the gallery and reloads only when the version moves', async () => {
    const fake = fakeSource();
    fake.add(1, 'Ada');
    const store = new GalleryStore(fake.source, { refreshMs: 0, logger });
    expect(store.gallery.size).toBe(0);
    await store.reload();
    expect(store.gallery).toMatchObject({ size: 1, people: 1 });
    expect(await store.refreshIfChanged()).toBe(false);
    fake.add(2, 'Bob');
    expect(await store.refreshIfChanged()).toBe(true);
    expect(store.gallery).toMatchObject({ size: 2, people: 2 });
    expect(fake.loads()).toBe(2);
  });

  it('coalesces concurrent reloads', async () => {
    const fake = fakeSource();
    const store = new GalleryStore(fake.source, { refreshMs: 0, logger });
    await Promise.all([store.reload(), store.reload(), store.reload(), store.reload()]);
    expect(fake.loads()).toBe(2);
  });

  it('polls, and keeps the previous gallery while the database is unreachable', async () => {
    const fake = fakeSource();
    fake.add(1, 'Ada');
    const store = new GalleryStore(fake.source, { refreshMs: 20, logger });
    await store.reload();
    store.start();
    try {
      fake.setFailing(true);
      fake.add(2, 'Bob');
      // Two polls that failed, not a guess at how long they take.
      const checked = fake.versionChecks();
      await waitFor('two failed polls', () => fake.versionChecks() >= checked + 2, soon);
      expect(store.gallery.size).toBe(1);
      fake.setFailing(false);
      await waitFor('the new gallery', () => store.gallery.size === 2, soon);
    } finally {
      store.stop();
    }
  });
});

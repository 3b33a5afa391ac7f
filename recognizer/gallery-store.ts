import type { Logger } from '../lib/logger.js';
import type { PeopleRepository } from '../lib/db/people-repo.js';
import { DESCRIPTOR_LENGTH, Gallery, type MatchStrategy } from './gallery.js';

export type GallerySource = Pick<PeopleRepository, 'allDescriptors' | 'galleryVersion'>;

export interface GalleryStoreOptions {
  /** Poll galleryVersion() this often; 0 disables polling. */
  refreshMs: number;
  /** How a person's several photos are compared with a face; default `mean`. */
  strategy?: MatchStrategy;
  logger: Logger;
}

/**
 * Keeps the current Gallery in sync with the database, the source of truth: a full load at
 * start, a reload whenever galleryVersion() changes (polled, so enrollments made by another
 * replica arrive within refreshMs), and on demand right after a local enrollment. Reloads are
 * serialised; a failed poll keeps the previous gallery and is retried at the next tick.
 */
export class GalleryStore {
  private current: Gallery = Gallery.empty;
  private version: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<Gallery> | undefined;
  private again = false;

  constructor(
    private readonly source: GallerySource,
    private readonly options: GalleryStoreOptions,
  ) {}

  get gallery(): Gallery {
    return this.current;
  }

  /** Reloads from the database (coalescing concurrent calls into at most one more load). */
  reload(): Promise<Gallery> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        let gallery: Gallery;
        do {
          this.again = false;
          gallery = await this.load();
        } while (this.again);
        return gallery;
      } finally {
        this.running = undefined;
      }
    })();
    return this.running;
  }

  /** Reloads only when the database's gallery version moved; true when it did. */
  async refreshIfChanged(): Promise<boolean> {
    const version = await this.source.galleryVersion();
    if (version === this.version) return false;
    await this.reload();
    return true;
  }

  /** Starts polling (no-op when refreshMs is 0). */
  start(): void {
    if (this.options.refreshMs <= 0 || this.timer) return;
    const tick = async () => {
      try {
        await this.refreshIfChanged();
      } catch (error) {
        this.options.logger.warn(
          { err: error },
          'gallery refresh failed; keeping the previous gallery',
        );
      }
      if (this.timer) this.timer = setTimeout(tick, this.options.refreshMs).unref();
    };
    this.timer = setTimeout(tick, this.options.refreshMs).unref();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private async load(): Promise<Gallery> {
    const started = performance.now();
    // Version first: a row added between the two reads only causes one extra reload later.
    const version = await this.source.galleryVersion();
    const rows = await this.source.allDescriptors();
    const usable = rows.filter((row) => row.descriptor.length === DESCRIPTOR_LENGTH);
    if (usable.length !== rows.length) {
      this.options.logger.warn(
        { skipped: rows.length - usable.length },
        'stored descriptors of the wrong length were skipped',
      );
    }
    const gallery = new Gallery(usable, this.options.strategy);
    const changed = gallery.size !== this.current.size || version !== this.version;
    this.current = gallery;
    this.version = version;
    if (changed) {
      this.options.logger.info(
        {
          descriptors: gallery.size,
          people: gallery.people,
          version,
          ms: Math.round(performance.now() - started),
        },
        'gallery loaded',
      );
    }
    return gallery;
  }
}

import { sql } from 'kysely';
import { kindOf, type Db } from '../connect.js';
import { newImageRow, type IdempotencyInput, type NewImage } from './ingest-repo.js';

/** The images of one submission, and its idempotency key if it carried one. */
export interface InsertRequest {
  images: NewImage[];
  idempotency?: IdempotencyInput | undefined;
}

/**
 * Inserts the PENDING rows of many submissions in one transaction: one commit (one fsync) for
 * all of them instead of one each, which is what limits ingest under concurrency. It does not
 * resolve idempotency races; a duplicate key fails the whole call, and the caller then inserts
 * each submission on its own (ImagesRepository.createImages).
 */
export class ImageInserts {
  private consecutiveIds: Promise<boolean> | undefined;

  constructor(private readonly db: Db) {}

  /** The ids of each request's rows, in request order and, within one, in image order. */
  async insertAll(requests: InsertRequest[]): Promise<number[][]> {
    const rows = requests.flatMap(({ images, idempotency }) =>
      images.map((image, index) => ({ image, index, idempotency })),
    );
    if (rows.length === 0) return requests.map(() => []);
    const multiRow = await this.multiRowGivesConsecutiveIds();
    const now = new Date();
    const values = rows.map(({ image, index, idempotency }) =>
      newImageRow(image, index, idempotency, now),
    );
    const ids = await this.db.transaction().execute(async (trx) => {
      if (multiRow) {
        const result = await trx.insertInto('images').values(values).executeTakeFirstOrThrow();
        const first = Number(result.insertId);
        return values.map((_, index) => first + index);
      }
      const created: number[] = [];
      for (const row of values) {
        const result = await trx.insertInto('images').values(row).executeTakeFirstOrThrow();
        created.push(Number(result.insertId));
      }
      return created;
    });
    let next = 0;
    return requests.map(({ images }) => images.map(() => ids[next++]!));
  }

  /**
   * One multi-row INSERT reports only its first id; the others follow it one by one only when
   * InnoDB hands a statement a consecutive range (innodb_autoinc_lock_mode 0 or 1, MariaDB's
   * default) with an increment of 1. MySQL 8's default (2, interleaved) does not promise that,
   * nor does SQLite report the first id: there the rows go one statement each, in the same
   * single transaction.
   */
  private multiRowGivesConsecutiveIds(): Promise<boolean> {
    if (kindOf(this.db) !== 'mysql') return Promise.resolve(false);
    this.consecutiveIds ??= sql<{ mode: number | string; step: number | string }>`
      SELECT @@innodb_autoinc_lock_mode AS mode, @@auto_increment_increment AS step`
      .execute(this.db)
      .then(({ rows: [row] }) => Number(row?.mode) < 2 && Number(row?.step) === 1)
      .catch((error: unknown) => {
        this.consecutiveIds = undefined; // asked again next time
        throw error;
      });
    return this.consecutiveIds;
  }
}

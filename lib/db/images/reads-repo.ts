import type { Db } from '../connect.js';
import type { ImageRecord } from '../../image-record.js';
import { readImageRecords } from './records.js';

/**
 * Images as the API shows them, by id: the frontend's pages and /api, and the receiver's
 * GET /images/:id and its replies. Reads only (SELECT on images, faces, person).
 */
export class ImageReadsRepository {
  constructor(private readonly db: Db) {}

  async get(id: number): Promise<ImageRecord | undefined> {
    const [record] = await this.getMany([id]);
    return record;
  }

  /** Records in the order of `ids`, each with its faces and people. */
  getMany(ids: number[]): Promise<ImageRecord[]> {
    return readImageRecords(this.db, ids);
  }
}

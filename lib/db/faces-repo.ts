import type { Db } from './connect.js';
import type { StoredFaceQuality } from '../image-record.js';
import type { Box } from '../box.js';

/** A stored face with what a replay needs: its descriptor, quality and current decision. */
export interface ReplayableFace {
  id: number;
  imageId: number;
  personId: number | null;
  distance: number | null;
  unidentifiable: string | null;
  matchVersion: string | null;
  descriptor: Uint8Array;
  descriptorVersion: string;
  quality: StoredFaceQuality;
}

export interface FaceDecision {
  personId: number | null;
  distance: number | null;
  unidentifiable: string | null;
  matchVersion: string;
}

/** A stored face as "this is …" needs it: where it is, and its descriptor (null before 005). */
export interface AssignableFace {
  id: number;
  imageId: number;
  imagePath: string;
  box: Box;
  descriptor: Uint8Array | null;
  qualitySize: number | null;
}

/** The faces table as Rescore sees it (lib/rescore.ts). */
export class FacesRepository {
  constructor(private readonly db: Db) {}

  /**
   * Faces that can be decided again (descriptor and quality stored, from migration 005 on), in
   * id order after `afterId`; `since`: only faces of images submitted at or after it.
   */
  async listReplayable(options: {
    afterId: number;
    limit: number;
    since?: Date;
    /** Only the faces of these images. */
    imageIds?: number[];
  }): Promise<ReplayableFace[]> {
    let query = this.db
      .selectFrom('faces')
      .innerJoin('images', 'images.id', 'faces.image_id')
      .select([
        'faces.id',
        'faces.image_id',
        'faces.person_id',
        'faces.distance',
        'faces.unidentifiable',
        'faces.match_version',
        'faces.descriptor',
        'faces.descriptor_version',
        'faces.quality_size',
        'faces.quality_sharpness',
        'faces.quality_yaw',
        'faces.quality_roll',
      ])
      .where('faces.id', '>', options.afterId)
      .where('faces.descriptor', 'is not', null)
      .where('faces.descriptor_version', 'is not', null)
      .where('faces.quality_size', 'is not', null)
      .orderBy('faces.id')
      .limit(options.limit);
    if (options.since) query = query.where('images.created_at', '>=', options.since);
    if (options.imageIds) query = query.where('faces.image_id', 'in', options.imageIds);
    const rows = await query.execute();
    return rows.map((row) => ({
      id: Number(row.id),
      imageId: Number(row.image_id),
      personId: row.person_id == null ? null : Number(row.person_id),
      distance: row.distance == null ? null : Number(row.distance),
      unidentifiable: row.unidentifiable ?? null,
      matchVersion: row.match_version ?? null,
      descriptor: new Uint8Array(row.descriptor!),
      descriptorVersion: row.descriptor_version!,
      quality: {
        size: Number(row.quality_size),
        sharpness: Number(row.quality_sharpness ?? 0),
        yaw: Number(row.quality_yaw ?? 0),
        roll: Number(row.quality_roll ?? 0),
      },
    }));
  }

  async setDecision(id: number, decision: FaceDecision): Promise<void> {
    await this.db
      .updateTable('faces')
      .set({
        person_id: decision.personId,
        distance: decision.distance,
        unidentifiable: decision.unidentifiable,
        match_version: decision.matchVersion,
      })
      .where('id', '=', id)
      .execute();
  }

  /** One face with its photo's path and descriptor, or undefined. */
  async forAssignment(id: number): Promise<AssignableFace | undefined> {
    const row = await this.db
      .selectFrom('faces')
      .innerJoin('images', 'images.id', 'faces.image_id')
      .select([
        'faces.id',
        'faces.image_id',
        'images.path',
        'faces.box_x',
        'faces.box_y',
        'faces.box_width',
        'faces.box_height',
        'faces.descriptor',
        'faces.quality_size',
      ])
      .where('faces.id', '=', id)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: Number(row.id),
      imageId: Number(row.image_id),
      imagePath: row.path,
      box: { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height },
      descriptor: row.descriptor ? new Uint8Array(row.descriptor) : null,
      qualitySize: row.quality_size == null ? null : Number(row.quality_size),
    };
  }
}

import type { Db } from '../connect.js';
import type { ImageStatus } from '../schema.js';
import type { FaceRecord, ImageRecord } from '../../image-record.js';

// The one place an images row and its faces become the API's ImageRecord: the receiver's
// listing and every reader of single images go through readImageRecords.

type ImageRow = {
  id: number;
  path: string;
  status: ImageStatus;
  attempts: number;
  error_code: string | null;
  error_message: string | null;
  created_at: Date;
  updated_at: Date;
  processed_at: Date | null;
  door: string | null;
  captured_at: Date | null;
  original_name: string | null;
};

const iso = (date: Date | null) => (date ? date.toISOString() : null);

/** Records in the order of `ids`, each with its faces and people; unknown ids are left out. */
export async function readImageRecords(db: Db, ids: number[]): Promise<ImageRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('images')
    .select([
      'id',
      'path',
      'status',
      'attempts',
      'error_code',
      'error_message',
      'created_at',
      'updated_at',
      'processed_at',
      'door',
      'captured_at',
      'original_name',
    ])
    .where('id', 'in', ids)
    .execute();
  const faces = await facesOf(db, ids);
  const byId = new Map(rows.map((row) => [Number(row.id), row as ImageRow]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    return row ? [toRecord(row, faces.get(id) ?? [])] : [];
  });
}

async function facesOf(db: Db, imageIds: number[]): Promise<Map<number, FaceRecord[]>> {
  const rows = await db
    .selectFrom('faces')
    .leftJoin('person', 'person.id', 'faces.person_id')
    .select([
      'faces.id',
      'faces.image_id',
      'faces.box_x',
      'faces.box_y',
      'faces.box_width',
      'faces.box_height',
      'faces.score',
      'faces.distance',
      'faces.quality_size',
      'faces.quality_sharpness',
      'faces.quality_yaw',
      'faces.quality_roll',
      'faces.unidentifiable',
      'person.id as person_id',
      'person.name as person_name',
    ])
    .where('faces.image_id', 'in', imageIds)
    .orderBy('faces.image_id')
    .orderBy('faces.face_index')
    .execute();
  const faces = new Map<number, FaceRecord[]>();
  for (const row of rows) {
    const list = faces.get(Number(row.image_id)) ?? [];
    list.push({
      id: Number(row.id),
      box: { x: row.box_x, y: row.box_y, width: row.box_width, height: row.box_height },
      score: Number(row.score),
      person:
        row.person_id != null && row.person_name != null
          ? { id: Number(row.person_id), name: row.person_name }
          : null,
      distance: row.distance == null ? null : Number(row.distance),
      quality:
        row.quality_size == null
          ? null
          : {
              size: Number(row.quality_size),
              sharpness: Number(row.quality_sharpness),
              yaw: Number(row.quality_yaw),
              roll: Number(row.quality_roll),
            },
      unidentifiable: row.unidentifiable ?? null,
    });
    faces.set(Number(row.image_id), list);
  }
  return faces;
}

function toRecord(row: ImageRow, faces: FaceRecord[]): ImageRecord {
  const people = new Map<number, { id: number; name: string }>();
  for (const face of faces) if (face.person) people.set(face.person.id, face.person);
  return {
    id: Number(row.id),
    path: row.path,
    status: row.status,
    attempts: row.attempts,
    error: row.error_code ? { code: row.error_code, message: row.error_message ?? '' } : null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
    processedAt: iso(row.processed_at),
    door: row.door,
    capturedAt: iso(row.captured_at),
    originalName: row.original_name,
    faces,
    people: [...people.values()].sort((a, b) => a.name.localeCompare(b.name)),
  };
}

import type { ColumnType, Generated } from 'kysely';

export const IMAGE_STATUSES = ['PENDING', 'PROCESSING', 'PROCESSED', 'FAILED'] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];

/** MySQL returns BIGINT ids as numbers here (mysql2 `supportBigNumbers` off): safe below 2^53. */
type Id = Generated<number>;

export interface PersonTable {
  id: Id;
  name: string;
  created_at: ColumnType<Date, Date, never>;
}

export interface PersonImagesTable {
  id: Id;
  person_id: number;
  image_name: string;
  content_hash: string;
  descriptor: Buffer;
  created_at: ColumnType<Date, Date, never>;
  /** The enrolled face's size in px (migration 005); NULL for photos enrolled before. */
  quality_size: ColumnType<number | null, number | null | undefined, number | null>;
  /** Relative to IMAGES_ROOT: the copy of an uploaded enrollment photo facetrail wrote. */
  stored_path: ColumnType<string | null, string | null | undefined, string | null>;
  /** The face on the photo, for the person's face crop (NULL when not known). */
  box_x: ColumnType<number | null, number | null | undefined, number | null>;
  box_y: ColumnType<number | null, number | null | undefined, number | null>;
  box_width: ColumnType<number | null, number | null | undefined, number | null>;
  box_height: ColumnType<number | null, number | null | undefined, number | null>;
}

export interface ImagesTable {
  id: Id;
  path: string;
  status: ImageStatus;
  attempts: ColumnType<number, number | undefined, number>;
  /** Recognizer processes this photo took down (sql/007). */
  recognizer_crashes: ColumnType<number, number | undefined, number>;
  lease_until: Date | null;
  error_code: string | null;
  error_message: string | null;
  idempotency_key: string | null;
  idempotency_index: number | null;
  request_hash: string | null;
  created_at: ColumnType<Date, Date, never>;
  updated_at: Date;
  published_at: Date | null;
  processed_at: Date | null;
  /** The door or camera the photo came from (from the submission or a door-1/... path). */
  door: ColumnType<string | null, string | null | undefined, string | null>;
  /** When the photo was taken (the submission's capturedAt, or the CLI's EXIF time). */
  captured_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  /** The file name the client gave (uploads are stored under a UUID). */
  original_name: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface FacesTable {
  id: Id;
  image_id: number;
  face_index: number;
  box_x: number;
  box_y: number;
  box_width: number;
  box_height: number;
  score: number;
  person_id: number | null;
  distance: number | null;
  /** 128 little-endian float32 values; NULL for faces stored before migration 005. */
  descriptor: Buffer | null;
  descriptor_version: string | null;
  match_version: string | null;
  quality_size: number | null;
  quality_sharpness: number | null;
  quality_yaw: number | null;
  quality_roll: number | null;
  /** TOO_SMALL or TOO_BLURRED: no identity was given. */
  unidentifiable: string | null;
}

export const ROLES = ['admin', 'viewer', 'ingest'] as const;
export type Role = (typeof ROLES)[number];

export interface ApiKeysTable {
  id: Id;
  name: string;
  role: Role;
  /** SHA-256 of the key, hex: the key itself is never stored. */
  key_hash: string;
  created_at: ColumnType<Date, Date, never>;
  last_used_at: Date | null;
}

export interface ForgottenPeopleTable {
  /** SHA-256 of the normalised name (see lib/db/people-repo.ts). */
  name_hash: string;
  forgotten_at: Date;
}

/** Who changed what, and when (admin actions on people, photos and faces). */
export interface AuditLogTable {
  id: Id;
  created_at: ColumnType<Date, Date, never>;
  actor: string;
  actor_role: string;
  action: string;
  person_id: number | null;
  image_id: number | null;
  /** JSON: what changed (names, counts); cleared when the person is forgotten. */
  details: string | null;
}

/** A dead letter drained from the dead-letter topic (migration 008). */
export interface DeadLettersTable {
  id: Id;
  message_id: string;
  image_id: number | null;
  reason: string;
  detail: string;
  status: number | null;
  attempts: number;
  body: string;
  body_encoding: string;
  received_at: ColumnType<Date, Date, never>;
  replayed_at: Date | null;
}

export interface Database {
  api_keys: ApiKeysTable;
  dead_letters: DeadLettersTable;
  audit_log: AuditLogTable;
  forgotten_people: ForgottenPeopleTable;
  person: PersonTable;
  person_images: PersonImagesTable;
  images: ImagesTable;
  faces: FacesTable;
}

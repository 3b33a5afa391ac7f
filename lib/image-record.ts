import type { Box } from './box.js';
import type { ImageStatus } from './db/schema.js';

/** A face's quality (lib/recognizer/protocol's FaceQuality); null for faces stored before it existed. */
export interface StoredFaceQuality {
  size: number;
  sharpness: number;
  yaw: number;
  roll: number;
}

export interface FaceRecord {
  /** The face's row id (stable while the image exists). */
  id: number;
  box: Box;
  score: number;
  person: { id: number; name: string } | null;
  distance: number | null;
  quality: StoredFaceQuality | null;
  /** Why the face got no identity (TOO_SMALL, TOO_BLURRED); null when it was compared. */
  unidentifiable: string | null;
}

/**
 * An image as the API returns it (GET /images/:id, the CLI, the results page): the one
 * declaration of the image record; docs/architecture.md describes the contract.
 */
export interface ImageRecord {
  id: number;
  path: string;
  status: ImageStatus;
  attempts: number;
  error: { code: string; message: string } | null;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  /** The door or camera (from the submission or a door-1/... path), or null. */
  door: string | null;
  /** When the photo was taken, as the submission said (EXIF through the CLI), or null. */
  capturedAt: string | null;
  /** The client's file name (uploads are stored under a UUID), or null. */
  originalName: string | null;
  faces: FaceRecord[];
  people: Array<{ id: number; name: string }>;
}

-- facetrail schema for SQLite (standalone mode): the same tables, columns and indexes as
-- ../001_initial_schema.sql (test/integration/schema-parity.test.ts keeps them in step).
-- Times are ISO-8601 UTC text written by the application; ids are SQLite rowids.

CREATE TABLE person (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  -- NOCASE: names are unique regardless of case, as under MySQL's utf8mb4_unicode_ci.
  name TEXT NOT NULL COLLATE NOCASE,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX person_name_unique ON person (name);

CREATE TABLE person_images (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  person_id INTEGER NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  image_name TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  descriptor BLOB NOT NULL,
  created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX person_images_content_hash_unique ON person_images (content_hash);
CREATE INDEX person_images_person_id ON person_images (person_id);

CREATE TABLE images (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  path TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('PENDING', 'PROCESSING', 'PROCESSED', 'FAILED')),
  attempts INTEGER NOT NULL DEFAULT 0,
  lease_until TEXT NULL,
  error_code TEXT NULL,
  error_message TEXT NULL,
  idempotency_key TEXT NULL,
  idempotency_index INTEGER NULL,
  request_hash TEXT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  published_at TEXT NULL,
  processed_at TEXT NULL
);
CREATE UNIQUE INDEX images_idempotency_unique ON images (idempotency_key, idempotency_index);
CREATE INDEX images_status_updated ON images (status, updated_at);
CREATE INDEX images_status_id ON images (status, id);

CREATE TABLE faces (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  image_id INTEGER NOT NULL REFERENCES images (id) ON DELETE CASCADE,
  face_index INTEGER NOT NULL,
  box_x INTEGER NOT NULL,
  box_y INTEGER NOT NULL,
  box_width INTEGER NOT NULL,
  box_height INTEGER NOT NULL,
  score REAL NOT NULL,
  person_id INTEGER NULL REFERENCES person (id) ON DELETE SET NULL,
  distance REAL NULL
);
CREATE UNIQUE INDEX faces_image_face_unique ON faces (image_id, face_index);
CREATE INDEX faces_person_image ON faces (person_id, image_id);

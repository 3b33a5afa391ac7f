-- The same as ../003_access_and_forgetting.sql, for SQLite.

CREATE TABLE api_keys (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL COLLATE NOCASE,
  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer', 'ingest')),
  key_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  last_used_at TEXT NULL
);
CREATE UNIQUE INDEX api_keys_name_unique ON api_keys (name);
CREATE UNIQUE INDEX api_keys_key_hash_unique ON api_keys (key_hash);

CREATE TABLE forgotten_people (
  name_hash TEXT NOT NULL PRIMARY KEY,
  forgotten_at TEXT NOT NULL
);

ALTER TABLE person_images ADD COLUMN stored_path TEXT NULL;

CREATE INDEX images_created ON images (created_at);
CREATE INDEX images_path ON images (path);

-- Access keys, forgetting and retention (privacy): who may see or change what, people who
-- must not come back, enrollment photos facetrail stored, and the index the retention purge uses.

-- An API key per camera, screen or person: only the SHA-256 of the key is kept.
CREATE TABLE api_keys (
  id INT NOT NULL AUTO_INCREMENT,
  name VARCHAR(100) NOT NULL,
  role VARCHAR(16) NOT NULL,
  key_hash CHAR(64) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  last_used_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY api_keys_name_unique (name),
  UNIQUE KEY api_keys_key_hash_unique (key_hash),
  CONSTRAINT api_keys_role_check CHECK (role IN ('admin', 'viewer', 'ingest'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Tombstones of forgotten people: the SHA-256 of the normalised name, never the name, so that
-- folder enrollment at a recognizer's start does not bring them back.
CREATE TABLE forgotten_people (
  name_hash CHAR(64) NOT NULL,
  forgotten_at DATETIME(3) NOT NULL,
  PRIMARY KEY (name_hash)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The copy of an uploaded enrollment photo facetrail wrote (relative to IMAGES_ROOT), deleted
-- with the person; NULL when the photo is the user's own file (a folder or a path).
ALTER TABLE person_images ADD COLUMN stored_path VARCHAR(1024) NULL;

-- The retention purge walks final images by age.
CREATE INDEX images_created ON images (created_at);

-- Purging a camera's own file (PURGE_CAMERA_FILES) first checks that no other image uses it.
CREATE INDEX images_path ON images (path(255));

-- facetrail schema, MySQL 8 / MariaDB 10.6+. Forward-only: add a new numbered file to change it.
-- Times are UTC with millisecond precision, set by the application (one clock for leases).

CREATE TABLE person (
  id INT NOT NULL AUTO_INCREMENT,
  name VARCHAR(255) NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY person_name_unique (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One enrolled photo of a known person, with the face descriptor computed once at enrollment.
CREATE TABLE person_images (
  id INT NOT NULL AUTO_INCREMENT,
  person_id INT NOT NULL,
  image_name VARCHAR(1024) NOT NULL,
  -- sha256 of the photo's bytes: the same photo is never enrolled twice.
  content_hash CHAR(64) NOT NULL,
  -- 128 little-endian float32 values (512 bytes).
  descriptor BLOB NOT NULL,
  created_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY person_images_content_hash_unique (content_hash),
  KEY person_images_person_id (person_id),
  CONSTRAINT person_images_person_fk FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- A submitted photo and its way through the pipeline: PENDING -> PROCESSING -> PROCESSED | FAILED.
CREATE TABLE images (
  id BIGINT NOT NULL AUTO_INCREMENT,
  path VARCHAR(1024) NOT NULL,
  status VARCHAR(16) NOT NULL,
  attempts INT NOT NULL DEFAULT 0,
  -- While PROCESSING: the claim is valid until then; after it another processor may take over.
  lease_until DATETIME(3) NULL,
  error_code VARCHAR(64) NULL,
  error_message VARCHAR(1024) NULL,
  -- Idempotency-Key of the request that created the row, and its place in a bulk request.
  idempotency_key VARCHAR(255) NULL,
  idempotency_index INT NULL,
  -- sha256 of the request body sent with that key: the key may not be reused for another body.
  request_hash CHAR(64) NULL,
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  -- Last time the image event was handed to the queue (NULL: never published successfully).
  published_at DATETIME(3) NULL,
  processed_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY images_idempotency_unique (idempotency_key, idempotency_index),
  KEY images_status_updated (status, updated_at),
  KEY images_status_id (status, id),
  CONSTRAINT images_status_check CHECK (status IN ('PENDING', 'PROCESSING', 'PROCESSED', 'FAILED'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One detected face on a processed image; person_id set when it matched a known person.
CREATE TABLE faces (
  id BIGINT NOT NULL AUTO_INCREMENT,
  image_id BIGINT NOT NULL,
  face_index INT NOT NULL,
  box_x INT NOT NULL,
  box_y INT NOT NULL,
  box_width INT NOT NULL,
  box_height INT NOT NULL,
  score DOUBLE NOT NULL,
  person_id INT NULL,
  distance DOUBLE NULL,
  PRIMARY KEY (id),
  -- A retried image can never get a face twice.
  UNIQUE KEY faces_image_face_unique (image_id, face_index),
  KEY faces_person_image (person_id, image_id),
  CONSTRAINT faces_image_fk FOREIGN KEY (image_id) REFERENCES images (id) ON DELETE CASCADE,
  CONSTRAINT faces_person_fk FOREIGN KEY (person_id) REFERENCES person (id) ON DELETE SET NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The results page (issue 12): what a submission says about a photo, face crops of enrollment
-- photos, an audit log of admin changes, and the indexes the page's queries need.

-- Where and when a photo was taken and what it was called, as the camera or client said
-- (door may also come from a door-1/... path).
ALTER TABLE images ADD COLUMN door VARCHAR(64) NULL;
ALTER TABLE images ADD COLUMN captured_at DATETIME(3) NULL;
ALTER TABLE images ADD COLUMN original_name VARCHAR(255) NULL;

-- A door filter pages newest first: (door, id) serves WHERE door = ? AND id < ? ORDER BY id
-- DESC, and the list of doors by a loose index scan.
CREATE INDEX images_door_id ON images (door, id);

-- The live feed of every frontend pod polls the newest change: MAX(updated_at), then the rows
-- changed since.
CREATE INDEX images_updated ON images (updated_at);

-- The face on an enrollment photo, for the person's face crop (NULL when not known).
ALTER TABLE person_images ADD COLUMN box_x INT NULL;
ALTER TABLE person_images ADD COLUMN box_y INT NULL;
ALTER TABLE person_images ADD COLUMN box_width INT NULL;
ALTER TABLE person_images ADD COLUMN box_height INT NULL;

-- Who changed what, and when: every admin action on people, photos and faces. person_id and
-- image_id are plain numbers, not foreign keys: the entry outlives what it names. Forgetting a
-- person clears the details (names) of their entries.
CREATE TABLE audit_log (
  id BIGINT NOT NULL AUTO_INCREMENT,
  created_at DATETIME(3) NOT NULL,
  -- The key's name and role (never the key).
  actor VARCHAR(100) NOT NULL,
  actor_role VARCHAR(16) NOT NULL,
  action VARCHAR(32) NOT NULL,
  person_id INT NULL,
  image_id BIGINT NULL,
  details VARCHAR(2048) NULL,
  PRIMARY KEY (id),
  KEY audit_log_person (person_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

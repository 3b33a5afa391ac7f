-- The same as ../006_results_page.sql, for SQLite.

ALTER TABLE images ADD COLUMN door TEXT NULL;
ALTER TABLE images ADD COLUMN captured_at TEXT NULL;
ALTER TABLE images ADD COLUMN original_name TEXT NULL;

CREATE INDEX images_door_id ON images (door, id);
CREATE INDEX images_updated ON images (updated_at);

ALTER TABLE person_images ADD COLUMN box_x INTEGER NULL;
ALTER TABLE person_images ADD COLUMN box_y INTEGER NULL;
ALTER TABLE person_images ADD COLUMN box_width INTEGER NULL;
ALTER TABLE person_images ADD COLUMN box_height INTEGER NULL;

CREATE TABLE audit_log (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at TEXT NOT NULL,
  actor TEXT NOT NULL,
  actor_role TEXT NOT NULL,
  action TEXT NOT NULL,
  person_id INTEGER NULL,
  image_id INTEGER NULL,
  details TEXT NULL
);
CREATE INDEX audit_log_person ON audit_log (person_id);

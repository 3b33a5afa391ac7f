-- Each detected face keeps what is needed to decide it again without inference: its
-- descriptor, the version of the models and settings that made it, and its quality; and
-- the version of the match rule that made the current decision (lib/rescore.ts).
ALTER TABLE faces
  ADD COLUMN descriptor BLOB NULL,
  ADD COLUMN descriptor_version VARCHAR(255) NULL,
  ADD COLUMN match_version VARCHAR(255) NULL,
  ADD COLUMN quality_size INT NULL,
  ADD COLUMN quality_sharpness DOUBLE NULL,
  ADD COLUMN quality_yaw DOUBLE NULL,
  ADD COLUMN quality_roll DOUBLE NULL,
  ADD COLUMN unidentifiable VARCHAR(32) NULL;

-- The size of the enrolled face (px, the shorter side of its box): a person enrolled from small
-- faces is matched with the small-face threshold, whatever the size of the face identified.
ALTER TABLE person_images ADD COLUMN quality_size INT NULL;

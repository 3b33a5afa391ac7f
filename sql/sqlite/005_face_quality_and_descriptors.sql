-- The same columns as ../005_face_quality_and_descriptors.sql: each face's descriptor, the
-- versions that made it and its decision, its quality, and why it could not be identified; and
-- the size of each enrolled face.
ALTER TABLE faces ADD COLUMN descriptor BLOB NULL;
ALTER TABLE faces ADD COLUMN descriptor_version TEXT NULL;
ALTER TABLE faces ADD COLUMN match_version TEXT NULL;
ALTER TABLE faces ADD COLUMN quality_size INTEGER NULL;
ALTER TABLE faces ADD COLUMN quality_sharpness REAL NULL;
ALTER TABLE faces ADD COLUMN quality_yaw REAL NULL;
ALTER TABLE faces ADD COLUMN quality_roll REAL NULL;
ALTER TABLE faces ADD COLUMN unidentifiable TEXT NULL;
ALTER TABLE person_images ADD COLUMN quality_size INTEGER NULL;

-- The same as ../007_recognizer_crashes.sql, for SQLite.

ALTER TABLE images ADD COLUMN recognizer_crashes INTEGER NOT NULL DEFAULT 0;

-- The same as ../008_dead_letters.sql, for SQLite.

CREATE TABLE dead_letters (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  message_id TEXT NOT NULL,
  image_id INTEGER NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  status INTEGER NULL,
  attempts INTEGER NOT NULL,
  body TEXT NOT NULL,
  body_encoding TEXT NOT NULL,
  received_at TEXT NOT NULL,
  replayed_at TEXT NULL
);
CREATE UNIQUE INDEX dead_letters_message_unique ON dead_letters (message_id);
CREATE INDEX dead_letters_image ON dead_letters (image_id);

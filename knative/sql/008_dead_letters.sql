-- Dead letters (issue 9): the events the adapter gave up on, drained from the images.dead topic
-- by the redeemer so that an admin can list, replay and purge them (`facetrail dead-letters`).
-- image_id is a plain number, not a foreign key: a dead letter whose image is deleted or
-- final is dropped by the code, not by a cascade.
CREATE TABLE dead_letters (
  id BIGINT NOT NULL AUTO_INCREMENT,
  -- The NSQ message id (the dead letter's CloudEvent id): the same letter drained twice is one row.
  message_id VARCHAR(64) NOT NULL,
  -- The image the event was about, when the body was an image event.
  image_id BIGINT NULL,
  reason VARCHAR(64) NOT NULL,
  detail VARCHAR(1024) NOT NULL,
  -- The sink's last HTTP status (NULL: timeout, network error, never sent).
  status INT NULL,
  attempts INT NOT NULL,
  -- The original message body, byte for byte (base64 when it was not UTF-8).
  body MEDIUMTEXT NOT NULL,
  body_encoding VARCHAR(8) NOT NULL,
  received_at DATETIME(3) NOT NULL,
  -- Set when an admin re-published it.
  replayed_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY dead_letters_message_unique (message_id),
  KEY dead_letters_image (image_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

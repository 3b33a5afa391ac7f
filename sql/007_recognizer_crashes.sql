-- How many times a photo took a recognizer process down (issue 9): the connection dropped
-- after inference had started on it. At MAX_IMAGE_CRASHES the processor ends it FAILED
-- RECOGNIZER_CRASHED instead of sending it again; a photo that crashed once is sent to run alone.
ALTER TABLE images ADD COLUMN recognizer_crashes INT NOT NULL DEFAULT 0;

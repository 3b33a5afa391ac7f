-- Idempotency keys are opaque: "Abc" and "abc" are two keys. The table's default collation
-- (utf8mb4_unicode_ci) would compare them equal; SQLite already compares bytes.
ALTER TABLE images MODIFY idempotency_key VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL;

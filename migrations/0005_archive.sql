-- The archive of finished recordings in R2 (the RECORDINGS bucket, key
-- `recordings/{reservation_id}/{id}.mp4`), copied by the scheduled handler.
--
-- archive_status: `pending` (to copy, at `archive_retry_at` or later), `copying` (claimed by a
-- run until `archive_retry_at`, after which another run may take it over), `archived` (the
-- object is in R2 and its size is `archive_size`), `failed` (given up after bounded attempts, or
-- Daily no longer has it), `expired` (past RECORDING_RETENTION_DAYS: the object is deleted).
-- NULL for recording errors, which have nothing to copy.
ALTER TABLE recordings ADD COLUMN archive_status TEXT
  CHECK (archive_status IN ('pending', 'copying', 'archived', 'failed', 'expired'));
ALTER TABLE recordings ADD COLUMN archive_attempts INTEGER NOT NULL DEFAULT 0;
-- A random value of the run copying it: only that run may record the copy's outcome.
ALTER TABLE recordings ADD COLUMN archive_claim TEXT;
ALTER TABLE recordings ADD COLUMN archive_retry_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE recordings ADD COLUMN archive_size INTEGER;
-- The object's HTTP ETag (quoted), answered and compared without reading R2.
ALTER TABLE recordings ADD COLUMN archive_etag TEXT;
ALTER TABLE recordings ADD COLUMN archived_at INTEGER;
-- Why the last attempt failed (never a link or a key).
ALTER TABLE recordings ADD COLUMN archive_error TEXT;
-- When the recording was deleted at Daily after archiving (DAILY_DELETE_AFTER_ARCHIVE=true).
ALTER TABLE recordings ADD COLUMN daily_deleted_at INTEGER;

UPDATE recordings SET archive_status = 'pending' WHERE status = 'finished';

CREATE INDEX recordings_by_archive ON recordings (archive_status, archive_retry_at);

-- Before the unique index on a member's unfinished import: older releases could accept several at once (a race).
-- The oldest stays; the others are marked failed with a message, and their files go with the next sweep.
UPDATE "archive_imports" AS a
SET "status" = 'failed',
    "error" = 'another upload of yours was being imported at the same time; upload this file again if you still need it',
    "finished_at" = now()
WHERE a."status" IN ('pending', 'running')
  AND EXISTS (
    SELECT 1 FROM "archive_imports" AS b
    WHERE b."member_id" = a."member_id" AND b."status" IN ('pending', 'running') AND b."id" < a."id"
  );

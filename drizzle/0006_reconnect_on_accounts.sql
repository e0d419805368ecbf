-- "Needs reconnecting" now lives only on the account rows (members.oh_needs_reauth, moves_accounts.status);
-- sync_state.status says what the sync is doing. A sync stopped by a refused token is idle. A needs_reauth
-- state whose member has authorized again since was shown as queued: it becomes queued, and the scheduler
-- pass's stranded-sync check gives it the job it lacks.
UPDATE "sync_state" AS s SET "status" = CASE
  WHEN EXISTS (
    SELECT 1 FROM "moves_accounts" a JOIN "members" m ON m."id" = a."member_id"
    WHERE a."member_id" = s."member_id" AND a."status" = 'connected' AND NOT m."oh_needs_reauth"
  ) THEN 'queued'
  ELSE 'idle'
END
WHERE s."status" = 'needs_reauth';

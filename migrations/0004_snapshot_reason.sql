-- What made each snapshot: the interval timer, a graceful shutdown, or a restore (the state just
-- before it, so that the restore can itself be undone, and the state it produced). Older restore
-- snapshots were taken after the restore.
ALTER TABLE liveshare_snapshots RENAME COLUMN created_by TO reason;
UPDATE liveshare_snapshots SET reason = 'after-restore' WHERE reason = 'restore';
ALTER TABLE liveshare_snapshots ADD CONSTRAINT liveshare_snapshots_reason_check
  CHECK (reason IN ('interval', 'shutdown', 'before-restore', 'after-restore'));

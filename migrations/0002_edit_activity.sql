-- Who edited a diagram and when, kept after the update log is compacted away, so the snapshot history
-- can say who changed the diagram since a snapshot. One row per diagram, user and minute.
CREATE TABLE diagram_edit_activity (
  diagram_id UUID NOT NULL REFERENCES diagrams(id) ON DELETE CASCADE,
  user_id UUID NOT NULL,
  minute TIMESTAMPTZ NOT NULL,
  edits INTEGER NOT NULL,
  PRIMARY KEY (diagram_id, minute, user_id)
);

ALTER TABLE liveshare_snapshots ADD COLUMN diagram_id UUID REFERENCES diagrams(id) ON DELETE CASCADE;
ALTER TABLE liveshare_snapshots ADD COLUMN created_by TEXT NOT NULL DEFAULT 'interval';
-- The document's state vector when the snapshot was taken: an instance compares it with its own to
-- skip a snapshot another instance already took of the same state.
ALTER TABLE liveshare_snapshots ADD COLUMN state_vector BYTEA;

-- Stored states and snapshots use Yjs's v2 update encoding, whose run-length coding keeps a diagram
-- that was dragged around for hours small (see README, "Bounded growth"); 'v1' marks older rows.
ALTER TABLE diagram_documents ADD COLUMN state_encoding TEXT NOT NULL DEFAULT 'v1' CHECK (state_encoding IN ('v1', 'v2'));
ALTER TABLE liveshare_snapshots ADD COLUMN encoding TEXT NOT NULL DEFAULT 'v1' CHECK (encoding IN ('v1', 'v2'));

-- Accounts live in the main application; a user row is recorded the first time a valid token is seen.
CREATE TABLE users (
  id UUID PRIMARY KEY,
  name TEXT NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE diagrams (
  id UUID PRIMARY KEY,
  name TEXT NOT NULL,
  owner_id UUID NOT NULL REFERENCES users(id),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX diagrams_owner_idx ON diagrams(owner_id);

-- Shares may name users this server has not seen yet, so user_id has no foreign key.
CREATE TABLE diagram_shares (
  diagram_id UUID NOT NULL REFERENCES diagrams(id) ON DELETE CASCADE,
  user_id UUID NOT NULL,
  permission TEXT NOT NULL CHECK (permission IN ('view', 'edit')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (diagram_id, user_id)
);

CREATE TABLE liveshare_sessions (
  id UUID PRIMARY KEY,
  diagram_id UUID NOT NULL REFERENCES diagrams(id) ON DELETE CASCADE,
  owner_id UUID NOT NULL REFERENCES users(id),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  ended_at TIMESTAMPTZ,
  message_count INTEGER NOT NULL DEFAULT 0,
  last_message_at TIMESTAMPTZ
);
-- At most one live session per diagram: creating a session returns the active one.
CREATE UNIQUE INDEX liveshare_sessions_one_active ON liveshare_sessions(diagram_id) WHERE ended_at IS NULL;

-- The compacted Yjs state of a diagram; updates after state_seq live in diagram_updates.
CREATE TABLE diagram_documents (
  diagram_id UUID PRIMARY KEY REFERENCES diagrams(id) ON DELETE CASCADE,
  state BYTEA NOT NULL,
  state_seq BIGINT NOT NULL DEFAULT 0,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The durable update log: every acknowledged Yjs update, appended before it is acknowledged.
CREATE TABLE diagram_updates (
  seq BIGSERIAL PRIMARY KEY,
  diagram_id UUID NOT NULL REFERENCES diagrams(id) ON DELETE CASCADE,
  data BYTEA NOT NULL,
  user_id UUID,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX diagram_updates_diagram_seq_idx ON diagram_updates(diagram_id, seq);

CREATE TABLE liveshare_snapshots (
  id UUID PRIMARY KEY,
  session_id UUID NOT NULL REFERENCES liveshare_sessions(id) ON DELETE CASCADE,
  snapshot_data BYTEA NOT NULL,
  created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  size_bytes INTEGER NOT NULL,
  element_count INTEGER NOT NULL,
  compressed BOOLEAN NOT NULL DEFAULT false,
  present_user_ids UUID[] NOT NULL DEFAULT '{}'
);
CREATE INDEX liveshare_snapshots_session_created_idx ON liveshare_snapshots(session_id, created_at);

CREATE TABLE liveshare_rate_limits (
  id UUID PRIMARY KEY,
  session_id UUID NOT NULL REFERENCES liveshare_sessions(id) ON DELETE CASCADE,
  user_id UUID NOT NULL REFERENCES users(id),
  message_type VARCHAR NOT NULL,
  window_start TIMESTAMPTZ NOT NULL,
  message_count INTEGER NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX liveshare_rate_limits_window_idx
  ON liveshare_rate_limits(session_id, user_id, message_type, window_start);

-- Server-wide settings, e.g. the development-mode token secret generated once per database.
CREATE TABLE server_settings (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);

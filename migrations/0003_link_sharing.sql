-- Link sharing: anyone signed in who opens the diagram's link gets this role ('none' = the link
-- gives nothing). A user's explicit share and the link combine as the higher of the two.
ALTER TABLE diagrams ADD COLUMN link_access TEXT NOT NULL DEFAULT 'none' CHECK (link_access IN ('none', 'view', 'edit'));

-- Who opened a diagram through its link, so it shows in their diagram list while the link gives access.
CREATE TABLE diagram_link_visits (
  diagram_id UUID NOT NULL REFERENCES diagrams(id) ON DELETE CASCADE,
  user_id UUID NOT NULL,
  last_opened_at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (user_id, diagram_id)
);

-- The search for people by name in the share dialog: a prefix of the lowercased name.
CREATE INDEX users_name_prefix_idx ON users (lower(name) text_pattern_ops);
-- The diagram list: shares by user.
CREATE INDEX diagram_shares_user_idx ON diagram_shares(user_id);

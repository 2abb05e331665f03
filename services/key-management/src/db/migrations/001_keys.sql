-- Key records. A (service, name) pair is one lineage: a rotation adds a generation and supersedes the
-- previous one (replaced_by), which stays valid until its expires_at (the grace period).
CREATE TABLE keys (
  id            TEXT PRIMARY KEY,
  service       TEXT NOT NULL,
  name          TEXT NOT NULL DEFAULT 'default',
  collections   TEXT NOT NULL CHECK (json_valid(collections)),
  actions       TEXT NOT NULL CHECK (json_valid(actions)),
  description   TEXT,
  prefix        TEXT NOT NULL,
  digest        TEXT NOT NULL UNIQUE,          -- SHA-256 (hex) of the secret, what verifiers compare
  sealed        BLOB NOT NULL,                 -- AES-256-GCM: version | iv | tag | ciphertext
  created_at    INTEGER NOT NULL,              -- epoch ms
  expires_at    INTEGER,
  revoked_at    INTEGER,
  last_used_at  INTEGER,
  rotated_from  TEXT REFERENCES keys(id),
  replaced_by   TEXT REFERENCES keys(id)
);
CREATE INDEX keys_lineage ON keys (service, name, created_at);

-- Every key operation: who, what, when, from where.
CREATE TABLE audit_log (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  at          INTEGER NOT NULL,
  actor       TEXT NOT NULL,
  roles       TEXT NOT NULL CHECK (json_valid(roles)),
  action      TEXT NOT NULL,
  key_id      TEXT,
  service     TEXT,
  outcome     TEXT NOT NULL,
  source_ip   TEXT,
  user_agent  TEXT,
  request_id  TEXT,
  details     TEXT CHECK (details IS NULL OR json_valid(details))
);
CREATE INDEX audit_log_key ON audit_log (key_id, id);

-- The change feed verifiers follow: one row per change of a key record, in commit order.
CREATE TABLE key_changes (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  key_id  TEXT NOT NULL REFERENCES keys(id),
  at      INTEGER NOT NULL
);

-- One row per element: its position in the sequence of its type.
-- UNIQUE (element_type, sequence_number) is what makes "no two elements of a type share a position"
-- a database fact, not an application hope. SQLite can't defer a UNIQUE check, so a reorder parks the
-- moving rows at temporary negative positions first (see store.ts); positions seen outside a
-- transaction are always >= 1.
CREATE TABLE elements (
  element_type    TEXT    NOT NULL CHECK (element_type IN ('script', 'section', 'character', 'action', 'spokenWord')),
  element_id      INTEGER NOT NULL CHECK (element_id >= 1),
  sequence_number INTEGER NOT NULL CHECK (sequence_number <> 0),
  comment         TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL,
  PRIMARY KEY (element_type, element_id),
  UNIQUE (element_type, sequence_number)
) WITHOUT ROWID;

-- One row per element version, append-only (the triggers below refuse deletes and changes to
-- anything but the denormalized position). This is the synced table: one search document per row,
-- id `<type>:<id>:<version>`. sequence_number is the element's CURRENT position, copied here so each
-- version's document carries it; a reorder rewrites it for the moved elements only, in the same
-- transaction, so only their documents are re-sent.
CREATE TABLE element_versions (
  element_type    TEXT    NOT NULL,
  element_id      INTEGER NOT NULL,
  version_number  INTEGER NOT NULL CHECK (version_number >= 1),
  sequence_number INTEGER NOT NULL,
  data            JSON,
  comment         TEXT    NOT NULL,
  created_at      TEXT    NOT NULL,
  updated_at      TEXT    NOT NULL,
  PRIMARY KEY (element_type, element_id, version_number),
  FOREIGN KEY (element_type, element_id) REFERENCES elements (element_type, element_id)
) WITHOUT ROWID;

CREATE TRIGGER element_versions_no_delete BEFORE DELETE ON element_versions
BEGIN
  SELECT RAISE(ABORT, 'element_versions is append-only');
END;

CREATE TRIGGER element_versions_append_only BEFORE UPDATE ON element_versions
WHEN NEW.element_type IS NOT OLD.element_type OR NEW.element_id IS NOT OLD.element_id
  OR NEW.version_number IS NOT OLD.version_number OR NEW.data IS NOT OLD.data
  OR NEW.comment IS NOT OLD.comment OR NEW.created_at IS NOT OLD.created_at
BEGIN
  SELECT RAISE(ABORT, 'element_versions is append-only (only sequence_number and updated_at change)');
END;

-- Core Script Management's scripts. `elements` links a script to the Central Sequence Service's
-- elements ([{elementType, elementId}], JSON); a title is unique per author.
CREATE TABLE scripts (
  scriptId  INTEGER PRIMARY KEY,
  title     TEXT NOT NULL,
  author    TEXT NOT NULL,
  logline   TEXT NOT NULL DEFAULT '',
  sections  JSON NOT NULL DEFAULT '[]',
  status    TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'revised', 'final')),
  elements  JSON NOT NULL DEFAULT '[]',
  createdAt TEXT NOT NULL,
  updatedAt TEXT NOT NULL,
  UNIQUE (author, title)
);

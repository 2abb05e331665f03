-- seeds/004's characters, with the columns named as the API names them (characterId, dialogueText).
-- A character may belong to a script of Core Script Management (scriptId); names are unique per script.
CREATE TABLE characters (
  characterId  INTEGER PRIMARY KEY,
  name         TEXT NOT NULL,
  description  TEXT NOT NULL DEFAULT '',
  dialogueText TEXT NOT NULL DEFAULT '',
  tags         JSON NOT NULL DEFAULT '[]',
  scriptId     INTEGER,
  createdAt    TEXT NOT NULL,
  updatedAt    TEXT NOT NULL,
  UNIQUE (scriptId, name)
);

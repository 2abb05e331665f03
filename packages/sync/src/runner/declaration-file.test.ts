import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { ConfigError } from '@fountain/kit';
import { tempDir } from '@fountain/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDeclarationFile, overrideFits } from './declaration-file.ts';

const tmp = tempDir('decl-file-');
afterAll(() => tmp.cleanup());
const db = new Database(join(tmp.dir, 'app.db'));
db.exec('CREATE TABLE scripts (script_id INTEGER PRIMARY KEY, title TEXT NOT NULL, sections JSON, rating REAL, done BOOLEAN, n INTEGER NOT NULL)');
db.close();

const write = (name: string, text: string): string => {
  const path = join(tmp.dir, name);
  writeFileSync(path, text);
  return path;
};
const problemsOf = (path: string): string[] => {
  try {
    loadDeclarationFile(path);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  return [];
};

describe('loadDeclarationFile', () => {
  it('reads JSON as well as YAML, resolving the database next to the file', () => {
    const path = write('ok.json', JSON.stringify({ database: 'app.db', tables: [{ table: 'scripts', collection: 'scripts', fields: { sections: { type: 'object[]' } }, defaultSortingField: 'n' }] }));
    const d = loadDeclarationFile(path);
    expect(d.database).toBe(join(tmp.dir, 'app.db'));
    expect(d.tables).toEqual([{ table: 'scripts', collection: 'scripts', fields: { sections: { type: 'object[]' } }, defaultSortingField: 'n' }]);
  });

  it('lists a missing database, a missing file and bad syntax as problems', () => {
    expect(problemsOf(write('nodb.yaml', 'database: ./nope.db\ntables: [{table: a, collection: a}]\n'))[0]).toContain('no file at');
    expect(problemsOf(join(tmp.dir, 'absent.yaml'))).toEqual(['the file does not exist']);
    expect(problemsOf(write('syntax.yaml', 'database: [\n'))[0]).toContain('not valid YAML or JSON');
    expect(problemsOf(write('empty.yaml', 'database: app.db\ntables: []\n'))[0]).toContain('tables');
  });

  it('refuses duplicate tables and collections, and a default sorting field that can be null', () => {
    const p = problemsOf(
      write('dup.yaml', 'database: app.db\ntables:\n  - {table: scripts, collection: s}\n  - {table: scripts, collection: s, defaultSortingField: rating}\n'),
    );
    expect(p).toEqual(
      expect.arrayContaining([
        "tables: table 'scripts' is declared more than once",
        "tables: collection 's' is declared more than once",
        "tables[1] (scripts).defaultSortingField: 'rating' must be a numeric NOT NULL column that is indexed",
      ]),
    );
  });
});

describe('overrideFits', () => {
  it.each([
    ['TEXT', 'string[]', true],
    ['JSON', 'object', true],
    ['TEXT', 'int64', false],
    ['INTEGER', 'int32', true],
    ['INTEGER', 'string[]', false],
    ['REAL', 'int64', false],
    ['BOOLEAN', 'bool', true],
    ['BLOB', 'string', false],
  ] as const)('%s as %s: %s', (declared, type, fits) => {
    expect(overrideFits(declared, type)).toBe(fits);
  });
});

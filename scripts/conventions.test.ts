// STYLE.md's conventions, checked on the tree as it is on disk, so a file added or moved by anyone is
// held to them the next time the suite runs:
// - code for tests only is named `*.test-support.ts`: no other non-test file under a `test/` folder,
//   and no helpers/fixtures/harness/test-utils file under another name;
// - production code never reaches test support: no `*.test-support.ts` (or `/test-support` subpath)
//   named in its code, and no `@fountain/testing` in a package's or service's `src/`;
// - a TypeScript file past 300 lines says why it is one concept: its first comment holds `One concept:`.
// Each rule is also run on a planted tree, so the test shows it can fail.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** Folders installed, written at run time or not ours: never walked. */
const SKIP_DIRS = new Set(['node_modules', 'data', 'coverage', 'tmp']);
const MAX_LINES = 300;

/** A source file: its path from the repository root (with `/`), and its text. */
export interface SourceFile {
  path: string;
  text: string;
}

const isTest = (path: string): boolean => path.endsWith('.test.ts');
const isSupport = (path: string): boolean => path.endsWith('.test-support.ts');

/**
 * Names that say "for tests" without the suffix. Only where tests live (packages, services, scripts):
 * bench/ holds benchmark programs, whose plumbing (`bench/src/sync-harness.ts`) is not test support.
 */
const TEST_ONLY_NAME = /(^|[-_.])(helpers?|fixtures?|harness|test-?utils?)([-_.]|$)|^test-/i;
const WHERE_TESTS_LIVE = /^(packages|services|scripts)\//;

/** The code of a file without its comments (a `//` after `:` is a URL in a string, kept). */
function code(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}

/** The first comment of a file (a block, or a run of `//` lines), or ''. */
function firstComment(text: string): string {
  const m = /\/\*[\s\S]*?\*\/|(?:^[ \t]*\/\/.*\n?)+/m.exec(text);
  return m?.[0] ?? '';
}

/** Every way the files break the conventions, one line each (`path: what`). */
export function conventionViolations(files: readonly SourceFile[]): string[] {
  const out: string[] = [];
  for (const { path, text } of files) {
    if (!path.endsWith('.ts') || path.endsWith('.d.ts')) continue;
    const name = path.slice(path.lastIndexOf('/') + 1);
    const production = !isTest(path) && !isSupport(path);

    if (production && /(^|\/)test\//.test(path)) out.push(`${path}: under a test/ folder but not named *.test.ts or *.test-support.ts`);
    else if (production && WHERE_TESTS_LIVE.test(path) && TEST_ONLY_NAME.test(name.replace(/\.ts$/, ''))) {
      out.push(`${path}: named like test support but not *.test-support.ts`);
    }

    if (production) {
      const body = code(text);
      for (const m of body.matchAll(/['"`]([^'"`\n]*(?:\.test-support(?:\.ts)?|\/test-support))['"`]/g)) {
        out.push(`${path}: production code names test support ${m[1]}`);
      }
      if (/^(packages|services)\/[^/]+\/src\//.test(path) && !path.startsWith('packages/testing/') && /['"]@fountain\/testing['"]/.test(body)) {
        out.push(`${path}: production code imports @fountain/testing`);
      }
    }

    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_LINES && !firstComment(text).includes('One concept:')) {
      out.push(`${path}: ${lines} lines, and its first comment has no 'One concept:' saying why it is one file`);
    }
  }
  return out.sort();
}

/** The repository's TypeScript files as they are on disk. */
function sourceFiles(dir = REPO): SourceFile[] {
  const out: SourceFile[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...sourceFiles(path));
    else if (entry.name.endsWith('.ts')) out.push({ path: relative(REPO, path).split(sep).join('/'), text: readFileSync(path, 'utf8') });
  }
  return out;
}

describe('conventions (STYLE.md)', () => {
  it('the tree keeps them', () => {
    const files = sourceFiles();
    expect(files.length).toBeGreaterThan(100);
    expect(conventionViolations(files)).toEqual([]);
  });

  it('each rule catches a planted violation, and lets the right forms through', () => {
    const long = (first: string) => `${first}\n${'export const x = 1;\n'.repeat(MAX_LINES)}`;
    const planted: SourceFile[] = [
      { path: 'services/x/test/helpers.ts', text: 'export const a = 1;\n' },
      { path: 'services/x/test/routes/route-table.test-support.ts', text: "import { a } from '../harness.test-support.ts';\n" },
      { path: 'services/x/test/routes/happy.test.ts', text: "import { a } from './route-table.test-support.ts';\n" },
      { path: 'packages/x/src/db-fixtures.ts', text: 'export const a = 1;\n' },
      { path: 'packages/x/src/lock-holder.fixture.ts', text: 'export const a = 1;\n' },
      { path: 'packages/x/src/test-collection.ts', text: 'export const a = 1;\n' },
      { path: 'bench/src/sync-harness.ts', text: 'export const a = 1;\n' },
      { path: 'packages/x/src/app.ts', text: "// see app.test-support.ts\nimport { a } from './app.test-support.ts';\n" },
      { path: 'packages/x/src/run.ts', text: "const script = 'test/writer.test-support.ts';\nimport { b } from '@fountain/service/test-support';\n" },
      { path: 'services/x/src/server.ts', text: "import { freePort } from '@fountain/testing';\n" },
      { path: 'bench/src/api.ts', text: "import { percentile } from '@fountain/testing';\n" },
      { path: 'packages/x/src/long.ts', text: long('/** A long file. */') },
      { path: 'packages/x/src/long-ok.ts', text: long('/**\n * One concept: a table read as one list.\n */') },
      { path: 'packages/x/src/long-late.ts', text: long('/** A long file. */\n// One concept: too late, not the first comment.') },
    ];
    expect(conventionViolations(planted)).toEqual([
      'packages/x/src/app.ts: production code names test support ./app.test-support.ts',
      'packages/x/src/db-fixtures.ts: named like test support but not *.test-support.ts',
      'packages/x/src/lock-holder.fixture.ts: named like test support but not *.test-support.ts',
      `packages/x/src/long-late.ts: ${MAX_LINES + 2} lines, and its first comment has no 'One concept:' saying why it is one file`,
      `packages/x/src/long.ts: ${MAX_LINES + 1} lines, and its first comment has no 'One concept:' saying why it is one file`,
      'packages/x/src/run.ts: production code names test support @fountain/service/test-support',
      'packages/x/src/run.ts: production code names test support test/writer.test-support.ts',
      'packages/x/src/test-collection.ts: named like test support but not *.test-support.ts',
      'services/x/src/server.ts: production code imports @fountain/testing',
      'services/x/test/helpers.ts: under a test/ folder but not named *.test.ts or *.test-support.ts',
    ]);
  });
});

// The docs name files; files move. This test keeps every markdown file in the repository honest:
// each relative link and each repository path it names (backticked, in a file listing, or written
// from the root in prose) must exist; and the indexes stay complete: docs/README.md links every doc,
// the root README every top-level folder and npm script, packages/ and services/ every workspace, and
// a workspace README with a `| file |` table every source file. It reads the tree as it is on disk,
// so a doc added or a file moved by anyone is checked the next time the suite runs.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Top-level folders a backticked path may start from (the repository's own layout). */
const ROOTS = ['packages/', 'services/', 'docs/', 'bench/', 'scripts/', 'deploy/', '.ci/'];
/** Extensions that make a backticked word with a slash a file path (`drivers/go/main.go`). */
const FILE_EXT = /\.(ts|js|md|sql|sh|json|ya?ml|py|go|mod|txt)$/;
/**
 * Extensions that make a bare backticked word a file of the repository (`errors.ts`,
 * `001_scripts.sql`); a bare `sync.yaml` is the reader's own file, not ours.
 */
const BARE_FILE_EXT = /\.(ts|js|md|sql|sh)$/;
/** The shared design and style live next to the repository, not in it. */
const SHARED_OUTSIDE = ['../shared/DESIGN.md', '../shared/STYLE.md'];
/** Folders that are installed or written at run time (.gitignore), never documented file by file. */
const SKIP_DIRS = new Set(['node_modules', 'data', 'coverage', 'tmp']);

export type Reference = { line: number; target: string; kind: 'link' | 'code' };

/** Every file path a markdown text names: relative link targets and path-like code tokens. */
export function referencesIn(markdown: string): Reference[] {
  const refs: Reference[] = [];
  let fence: string | undefined; // the language of the open fenced block ('' if none), or undefined outside one
  markdown.split('\n').forEach((text, i) => {
    const line = i + 1;
    const opening = /^\s*(```|~~~)\s*([\w-]*)/.exec(text);
    if (opening) {
      fence = fence === undefined ? (opening[2] ?? '') : undefined;
      return;
    }
    if (fence !== undefined) {
      // In a code block only unmistakable repository paths count; in a bare block (a file listing)
      // every word that looks like a path does.
      for (const word of text.trim().split(/[\s"'=(),;]+/)) {
        const path = cleanToken(word);
        if (path && (startsAtRoot(path) || (fence === '' && looksLikePath(path)))) refs.push({ line, target: path, kind: 'code' });
      }
      return;
    }
    const link = /\[[^\]]*\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g;
    for (const m of text.matchAll(link)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('#')) continue;
      refs.push({ line, target: decodeURI(target.replace(/#.*$/, '')), kind: 'link' });
    }
    // A link's text (often the target in backticks) is checked through its target.
    const prose = text.replace(link, '');
    for (const m of prose.matchAll(/`([^`]+)`/g)) {
      for (const word of m[1]!.split(/[\s"'=(),;]+/)) {
        const path = cleanToken(word);
        if (path && looksLikePath(path)) refs.push({ line, target: path, kind: 'code' });
      }
    }
    // Outside code, a path from the repository's root written as plain text (docs/sequence.md).
    for (const word of prose.replace(/`[^`]*`/g, ' ').split(/[\s"'=(),;]+/)) {
      const path = cleanToken(word);
      if (path && startsAtRoot(path) && /^[\w./-]+$/.test(path)) refs.push({ line, target: path, kind: 'code' });
    }
  });
  return refs;
}

/** A token cut down to the path it names, or undefined when it is a placeholder, a URL or no path. */
function cleanToken(word: string): string | undefined {
  const path = word.replace(/^[[(]+/, '').replace(/[)\].,:;]+$/, '').replace(/:\d+$/, '').replace(/#.*$/, '');
  if (!path || /[<>*{}$|\\]|\.\.\.|…|NNN/.test(path)) return undefined; // placeholders and globs
  if (/(^|\/)[A-Z][A-Z0-9_]*(\/|$)/.test(path)) return undefined; // a variable's value: DATA_DIR/kms-keys.json
  if (SKIP_DIRS.has(path.replace(/^\.\//, '').split('/')[0]!)) return undefined; // ./data: written at run time
  if (/^[a-z][a-z0-9+.-]*:/i.test(path) || path.startsWith('/') || path.startsWith('~')) return undefined; // URLs, URL paths, absolute paths
  return path;
}

function startsAtRoot(path: string): boolean {
  return ROOTS.some((root) => path.startsWith(root));
}

function looksLikePath(path: string): boolean {
  if (path.startsWith('./') || path.startsWith('../') || startsAtRoot(path)) return true;
  if (/^(src|test)\//.test(path)) return true;
  if (!/^[\w./-]+$/.test(path)) return false;
  return path.includes('/') ? FILE_EXT.test(path) : BARE_FILE_EXT.test(path);
}

/** The markdown files of the repository, outside node_modules and local data. */
export function markdownFiles(dir = REPO): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...markdownFiles(path));
    else if (entry.name.endsWith('.md')) out.push(path);
  }
  return out.sort();
}

/** The folder of the workspace (nearest package.json) a file belongs to; the repository for docs/. */
function workspaceOf(file: string): string {
  for (let dir = dirname(file); dir.startsWith(REPO); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
  }
  return REPO;
}

const namesCache = new Map<string, Set<string>>();
/** Every file and folder name under a folder, for bare names such as `errors.ts` in a package README. */
function namesUnder(dir: string): Set<string> {
  let names = namesCache.get(dir);
  if (!names) {
    names = new Set();
    const walk = (d: string): void => {
      for (const entry of readdirSync(d, { withFileTypes: true })) {
        if (entry.name.startsWith('.') || SKIP_DIRS.has(entry.name)) continue;
        names!.add(entry.name);
        if (entry.isDirectory()) walk(join(d, entry.name));
      }
    };
    walk(dir);
    namesCache.set(dir, names);
  }
  return names;
}

/**
 * Whether a reference from `file` names something that exists. A link or a `./`/`../` path is
 * relative to the file; any other path may also be relative to the file's workspace or the
 * repository root (`src/app.ts` in a service README, `docs/sync.md` anywhere); a bare file name must
 * exist somewhere in the file's workspace.
 */
export function resolves(file: string, ref: Reference): boolean {
  const target = ref.target.replace(/\/$/, '');
  if (target === '' || target === '.') return true;
  const here = dirname(file);
  const relativeToFile = ref.kind === 'link' || target.startsWith('./') || target.startsWith('../');
  const candidates = relativeToFile ? [join(here, target)] : [join(here, target), join(workspaceOf(file), target), join(REPO, target)];
  for (const candidate of candidates) {
    const fromRepo = relative(REPO, candidate);
    if (fromRepo.startsWith('..')) {
      if (SHARED_OUTSIDE.includes(fromRepo.split(sep).join('/'))) return true;
      continue;
    }
    if (existsSync(candidate)) return true;
  }
  if (!relativeToFile && !target.includes('/')) return namesUnder(workspaceOf(file)).has(target);
  return false;
}

/** Every reference in `file` that names nothing, as `file:line: target`. */
export function brokenReferences(file: string, markdown = readFileSync(file, 'utf8')): string[] {
  return referencesIn(markdown)
    .filter((ref) => !resolves(file, ref))
    .map((ref) => `${relative(REPO, file)}:${ref.line}: ${ref.target}`);
}

/**
 * The production source files under `src/` that a workspace README with a `| file |` table doesn't
 * name (by file name, by path, or by a folder above it such as `relay/`). Tests, test support, and
 * the `index.ts` barrels are found next to what they serve and need no row.
 */
export function unlistedSources(readme: string, markdown = readFileSync(readme, 'utf8')): string[] {
  if (!/^\|\s*file\s*\|/m.test(markdown)) return [];
  const named = new Set<string>();
  for (const m of markdown.replace(/^\s*```[\s\S]*?^\s*```/gm, '').matchAll(/`([^`]+)`/g)) {
    for (const word of m[1]!.split(/[\s,]+/)) if (word) named.add(word.replace(/^(\.\/)?src\//, '').replace(/\/$/, ''));
  }
  const src = join(dirname(readme), 'src');
  const sources: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.[cm]?[jt]s$/.test(entry.name) && !/test|fixture/.test(entry.name) && entry.name !== 'index.ts') {
        sources.push(relative(src, path).split(sep).join('/'));
      }
    }
  };
  if (existsSync(src)) walk(src);
  return sources.filter((source) => {
    const parts = source.split('/');
    return !named.has(basename(source)) && !parts.some((_, i) => named.has(parts.slice(0, i + 1).join('/')));
  });
}

describe('docs name only files that exist', () => {
  it('finds the markdown files', () => {
    const files = markdownFiles().map((f) => relative(REPO, f));
    expect(files).toContain('README.md');
    expect(files).toContain('docs/README.md');
    expect(files.some((f) => f.includes('node_modules'))).toBe(false);
  });

  it('every relative link and backticked path in every markdown file exists', () => {
    const broken = markdownFiles().flatMap((file) => brokenReferences(file));
    expect(broken).toEqual([]);
  });

  it('docs/README.md links every doc in docs/', () => {
    const index = join(REPO, 'docs', 'README.md');
    const linked = new Set(referencesIn(readFileSync(index, 'utf8')).filter((r) => r.kind === 'link').map((r) => basename(r.target)));
    const docs = readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md') && f !== 'README.md' && statSync(join(REPO, 'docs', f)).isFile());
    expect(docs.filter((d) => !linked.has(d))).toEqual([]);
  });

  it('every top-level folder has a README and is linked from the root README; packages/ and services/ link each workspace', () => {
    const linkedFrom = (readme: string): Set<string> =>
      new Set(referencesIn(readFileSync(readme, 'utf8')).filter((r) => r.kind === 'link').map((r) => r.target.replace(/^\.\//, '').split('/')[0]!));
    const folders = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !SKIP_DIRS.has(e.name))
        .map((e) => e.name);
    const top = folders(REPO);
    expect(top.filter((f) => !existsSync(join(REPO, f, 'README.md')))).toEqual([]);
    const rootLinks = linkedFrom(join(REPO, 'README.md'));
    expect(top.filter((f) => !rootLinks.has(f))).toEqual([]);
    for (const group of ['packages', 'services']) {
      const links = linkedFrom(join(REPO, group, 'README.md'));
      const workspaces = folders(join(REPO, group)).filter((f) => existsSync(join(REPO, group, f, 'package.json')));
      expect(workspaces.filter((w) => !links.has(w)), `${group}/README.md`).toEqual([]);
    }
  });

  it('the root README names every npm script', () => {
    const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
    const scripts = Object.keys((JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts);
    const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(scripts.filter((s) => !new RegExp(`npm (run (-s )?)?${escape(s)}(?![\\w:-])`).test(readme))).toEqual([]);
  });

  it('a README with a file table lists every source file of its workspace', () => {
    const unlisted = markdownFiles()
      .filter((file) => basename(file) === 'README.md' && existsSync(join(dirname(file), 'package.json')))
      .flatMap((readme) => unlistedSources(readme).map((source) => `${relative(REPO, readme)}: ${source}`));
    expect(unlisted).toEqual([]);
  });

  it('catches a planted bad link, a bad backticked path and a bad bare name', () => {
    const file = join(REPO, 'docs', 'planted.md');
    const planted = [
      'See [the sync doc](sync.md) and [nothing](no-such-doc.md).',
      'The relay lives in `packages/sync/src/no-such-file.ts`; the gateway in `services/search-gateway/src/app.ts`, see docs/gone.md.',
      '```',
      'packages/kit/src/errors.ts   exists',
      'bench/src/data.ts            does not',
      'docs/                        decisions (+ gone-helper.ts: moved away)',
      '```',
    ].join('\n');
    expect(brokenReferences(file, planted)).toEqual([
      'docs/planted.md:1: no-such-doc.md',
      'docs/planted.md:2: packages/sync/src/no-such-file.ts',
      'docs/planted.md:2: docs/gone.md',
      'docs/planted.md:5: bench/src/data.ts',
      'docs/planted.md:6: gone-helper.ts',
    ]);
    const inKit = join(REPO, 'packages', 'kit', 'README.md');
    expect(brokenReferences(inKit, '| `errors.ts` | ok |\n| `no-such.ts` | not ok |')).toEqual(['packages/kit/README.md:2: no-such.ts']);
  });

  it('ignores placeholders, URLs and URL paths', () => {
    const file = join(REPO, 'README.md');
    const text = 'Run `npx tsx services/<name>/src/server.ts`, see <https://example.com/x.md>, [site](https://x.y/z.md), `GET /v1/search`, `packages/*/src`, `sqlite:///./data/x.db`.';
    expect(brokenReferences(file, text)).toEqual([]);
  });
});

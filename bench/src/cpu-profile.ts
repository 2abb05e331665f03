import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@fountain/testing';
import { round } from './figures.ts';

/** One node of a V8 `.cpuprofile` (what `node --cpu-prof` writes). */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/**
 * Self time per function across the `.cpuprofile` files in `dir` (a process started with
 * `--cpu-prof --cpu-prof-dir=<dir>`), the top `k` as "name (file:line) pct%", for `--profile` runs.
 *
 * @example
 *   figures.profile_gateway_top = topCosts(join(profDir, 'gateway'));
 */
export function topCosts(dir: string, k = 12): string[] {
  const self = new Map<string, number>();
  let total = 0;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.cpuprofile'))) {
    const p = JSON.parse(readFileSync(join(dir, f), 'utf8')) as { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
    const byId = new Map(p.nodes.map((n) => [n.id, n]));
    p.samples.forEach((id, i) => {
      const n = byId.get(id);
      if (!n) return;
      const { functionName, url, lineNumber } = n.callFrame;
      const file = url.replace(/^.*node_modules\//, '').replace(/^file:\/\//, '').replace(`${REPO_ROOT}/`, '');
      const key = `${functionName || '(anonymous)'} (${file}:${lineNumber + 1})`;
      const dt = p.timeDeltas[i] ?? 0;
      self.set(key, (self.get(key) ?? 0) + dt);
      total += dt;
    });
  }
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([key, t]) => `${key} ${round((100 * t) / total, 1)}%`);
}

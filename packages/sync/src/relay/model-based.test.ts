/**
 * The relay against a model of SPEC.md, with fast-check's `commands`: writes (good, rejected per
 * document, too large for any request), deletes, bursts, an index outage, 413s on big requests,
 * another relay taking the lease, `ALTER TABLE ADD COLUMN`, `runExclusive`, restarts and drains, in
 * any order.
 * After every command: no document went back to an older version (R1), no request by relay A while
 * relay B held the lease (R4), no job overlapped a request (R8). After every drain: the outbox is
 * empty, every live row's document equals it, and only the rejected keys are dead letters (R2, R3, R6).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { converged, createWorld, fencingViolations, HUGE, REJECT, returnLease, staleOverwrites, stealLease, TABLE, type Model, type World } from './model.test-support.ts';

type Cmd = fc.AsyncCommand<Model, World>;

/** The invariants checked after every command. */
function checkAlways(w: World): void {
  expect(staleOverwrites(w.log)).toEqual([]);
  expect(fencingViolations(w)).toEqual([]);
  expect(w.violations).toEqual([]);
}

const upsertSql = (m: Model): string => {
  const cols = ['id', 'version', 'body', ...m.columns];
  const sets = cols.slice(1).map((c) => `${c} = excluded.${c}`).join(', ');
  return `INSERT INTO ${TABLE} (${cols.join(', ')}) VALUES (${cols.map((c) => `@${c}`).join(', ')}) ON CONFLICT(id) DO UPDATE SET ${sets}`;
};

/** Writes rows (one transaction), in the model and in the table. */
function write(m: Model, w: World, rows: Array<{ id: number; body: string }>): void {
  const stmt = w.db.prepare(upsertSql(m));
  w.db.transaction(() => {
    for (const { id, body } of rows) {
      const version = ++m.version;
      const extra = Object.fromEntries(m.columns.map((c) => [c, `${c}-${version}`]));
      stmt.run({ id, version, body, ...extra });
      m.rows.set(id, { version, body, extra });
    }
  })();
}

class Write implements Cmd {
  constructor(readonly rows: Array<{ id: number; body: string }>) {}
  check = (): boolean => true;
  async run(m: Model, w: World): Promise<void> {
    write(m, w, this.rows);
    checkAlways(w);
  }
  toString = (): string => `Write(${this.rows.map((r) => `${r.id}:${r.body}`).join(',')})`;
}

class Delete implements Cmd {
  constructor(readonly id: number) {}
  check = (m: Readonly<Model>): boolean => m.rows.has(this.id);
  async run(m: Model, w: World): Promise<void> {
    w.db.prepare(`DELETE FROM ${TABLE} WHERE id = ?`).run(this.id);
    m.rows.delete(this.id);
    checkAlways(w);
  }
  toString = (): string => `Delete(${this.id})`;
}

class Fault implements Cmd {
  constructor(readonly kind: 'outage' | 'tooLarge', readonly on: boolean) {}
  check = (m: Readonly<Model>): boolean => m[this.kind] !== this.on;
  async run(m: Model, w: World): Promise<void> {
    m[this.kind] = this.on;
    w.faults[this.kind] = this.on;
    // Let the relay meet the fault (or its end) before the next command.
    await new Promise((r) => setTimeout(r, 5));
    checkAlways(w);
  }
  toString = (): string => `${this.kind}(${this.on ? 'on' : 'off'})`;
}

class StealLease implements Cmd {
  check = (m: Readonly<Model>): boolean => !m.stolen;
  async run(m: Model, w: World): Promise<void> {
    await stealLease(w);
    m.stolen = true;
    await new Promise((r) => setTimeout(r, 10));
    checkAlways(w);
  }
  toString = (): string => 'StealLease';
}

class ReturnLease implements Cmd {
  check = (m: Readonly<Model>): boolean => m.stolen;
  async run(m: Model, w: World): Promise<void> {
    expect(await returnLease(w)).toEqual([]);
    m.stolen = false;
    checkAlways(w);
  }
  toString = (): string => 'ReturnLease';
}

class AddColumn implements Cmd {
  check = (m: Readonly<Model>): boolean => m.columns.length < 2;
  async run(m: Model, w: World): Promise<void> {
    const c = `c${m.columns.length + 1}`;
    w.db.exec(`ALTER TABLE ${TABLE} ADD COLUMN ${c} TEXT`);
    m.columns.push(c);
    for (const row of m.rows.values()) row.extra[c] = null;
    checkAlways(w);
  }
  toString = (): string => 'AddColumn';
}

class Exclusive implements Cmd {
  check = (): boolean => true;
  async run(_m: Model, w: World): Promise<void> {
    await w.relay.runExclusive(async () => {
      if (w.inFlight.A > 0) w.violations.push('a job started while a request of A was in flight');
      await new Promise((r) => setTimeout(r, 3));
      if (w.inFlight.A > 0) w.violations.push('a request of A started during a job');
    });
    checkAlways(w);
  }
  toString = (): string => 'Exclusive';
}

/** R11: stop finishes the batch in flight and releases the lease; a start takes it again (and sets up). */
class Restart implements Cmd {
  check = (): boolean => true;
  async run(_m: Model, w: World): Promise<void> {
    await w.relay.stop();
    expect(w.relay.stats()).toMatchObject({ state: 'stopped', holdsLock: false });
    expect(w.inFlight.A).toBe(0);
    w.relay.start();
    checkAlways(w);
  }
  toString = (): string => 'Restart';
}

/** Heals (the lease back, the index up) and drains; then the index must equal the model. */
class Drain implements Cmd {
  check = (): boolean => true;
  async run(m: Model, w: World): Promise<void> {
    if (m.stolen) expect(await returnLease(w)).toEqual([]);
    m.stolen = false;
    m.outage = w.faults.outage = false;
    const setupsBefore = w.setups;
    await w.relay.drain(20_000);
    expect(await converged(w, m)).toEqual([]);
    expect(w.setups).toBeGreaterThanOrEqual(setupsBefore);
    // A takes the lease back (B released it) and runs setup again before it sends (R10).
    await expect.poll(() => w.relay.stats().holdsLock, { timeout: 5000, interval: 5 }).toBe(true);
    checkAlways(w);
  }
  toString = (): string => 'Drain';
}

const ID = fc.integer({ min: 1, max: 8 });
const BODY = fc.oneof({ weight: 8, arbitrary: fc.constantFrom('a', 'b', 'c') }, { weight: 1, arbitrary: fc.constant(REJECT) }, { weight: 1, arbitrary: fc.constant(HUGE) });
const oneWrite = fc.record({ id: ID, body: BODY }).map((r) => new Write([r]));
const burst = fc.array(fc.record({ id: ID, body: BODY }), { minLength: 2, maxLength: 12 }).map((rows) => new Write(rows));
// Writes are listed more than once: fast-check picks each entry alike, and most steps should write.
const commands = [
  oneWrite,
  oneWrite,
  burst,
  burst,
  ID.map((id) => new Delete(id)),
  fc.tuple(fc.constantFrom('outage' as const, 'tooLarge' as const), fc.boolean()).map(([k, on]) => new Fault(k, on)),
  fc.constant(new Fault('outage', true)),
  fc.constant(new StealLease()),
  fc.constant(new ReturnLease()),
  fc.constant(new AddColumn()),
  fc.constant(new Exclusive()),
  fc.constant(new Restart()),
  fc.constant(new Drain()),
];

describe('the relay against its model (SPEC.md)', () => {
  it('keeps every invariant under any interleaving of writes, faults, lease theft, schema changes and jobs', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 20, size: '+1' }), fc.integer({ min: 1, max: 4 }), async (cmds, maxBatch) => {
        const w = await createWorld({ maxBatch });
        const m: Model = { rows: new Map(), columns: [], version: 0, outage: false, tooLarge: false, stolen: false };
        try {
          await fc.asyncModelRun(() => ({ model: m, real: w }), cmds);
          await new Drain().run(m, w);
          const dl = w.db.prepare('SELECT code, count(*) n FROM sync_errors GROUP BY code').all();
          if (process.env.MODEL_STATS) console.log('STAT', JSON.stringify({ cmds: String(cmds), reqA: w.requests.A, reqB: w.requests.B, logB: w.log.filter((e) => e.relay === 'B').length, setups: w.setups, dl, stats: w.relay.stats() }));
          expect(w.setups).toBeGreaterThanOrEqual(1);
        } finally {
          await w.close();
        }
      }),
      { numRuns: 40 },
    );
  }, 120_000);
});

import type { Client } from 'typesense';
import type { ClientCase, DriverLine, Step, StepResult } from './client-cases.test-support.ts';

/**
 * The npm client's driver: runs the client-neutral steps through the official `typesense` npm client,
 * in process (the Python and Go drivers do the same through theirs, in their own processes).
 */
export async function runNpmCases(client: Client, cases: ClientCase[]): Promise<DriverLine[]> {
  const out: DriverLine[] = [];
  for (const c of cases) {
    const results: StepResult[] = [];
    for (const step of c.steps) results.push(await runStep(client, step));
    out.push({ case: c.name, results });
  }
  return out;
}

async function runStep(client: Client, step: Step): Promise<StepResult> {
  try {
    return { ok: await call(client, step) };
  } catch (err) {
    const status = (err as { httpStatus?: number }).httpStatus;
    if (typeof status !== 'number') throw err;
    return { status };
  }
}

function call(client: Client, s: Step): Promise<unknown> {
  switch (s.op) {
    case 'health':
      return client.health.retrieve();
    case 'collections.create':
      return client.collections().create(s.schema as never);
    case 'collections.list':
      return client.collections().retrieve();
    case 'collection.retrieve':
      return client.collections(s.name).retrieve();
    case 'collection.update':
      return client.collections(s.name).update(s.schema as never);
    case 'collection.delete':
      return client.collections(s.name).delete();
    case 'documents.create':
      return client.collections(s.collection).documents().create(s.document as never);
    case 'documents.upsert':
      return client.collections(s.collection).documents().upsert(s.document as never);
    case 'document.retrieve':
      return client.collections(s.collection).documents(s.id).retrieve();
    case 'document.update':
      return client.collections(s.collection).documents(s.id).update(s.document as never);
    case 'document.delete':
      return client.collections(s.collection).documents(s.id).delete();
    case 'documents.deleteByFilter':
      return client.collections(s.collection).documents().delete({ filter_by: s.filter_by });
    case 'documents.import':
      // throwOnFail: false, so per-line failures come back as lines, as from the other clients.
      return client.collections(s.collection).documents().import(s.jsonl, { action: s.action, throwOnFail: false } as never);
    case 'documents.export':
      return client.collections(s.collection).documents().export();
    case 'documents.search':
      return client.collections(s.collection).documents().search(s.params as never);
    case 'multiSearch':
      return client.multiSearch.perform({ searches: s.searches as never }, s.common as never);
    case 'aliases.upsert':
      return client.aliases().upsert(s.name, { collection_name: s.collection });
    case 'aliases.list':
      return client.aliases().retrieve();
    case 'alias.retrieve':
      return client.aliases(s.name).retrieve();
    case 'alias.delete':
      return client.aliases(s.name).delete();
  }
}

import { parseFilter, renderFilter, validateFilter } from '@fountain/search';
import type { GatewayDeps } from '../deps.ts';

/**
 * Parses a caller's filter_by, checks it against the live schema and answers its safe rendering: the
 * only form of a filter that ever reaches a backend (see DESIGN.md, the 0.24.1 backtick injection).
 */
export async function safeFilter(deps: Pick<GatewayDeps, 'schemas'>, collection: string, filterBy: string): Promise<string> {
  const schema = await deps.schemas.get(collection);
  return renderFilter(validateFilter(parseFilter(filterBy), schema));
}

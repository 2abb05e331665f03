/**
 * `fountain-sync`: the sync runner's command line. Every failure at start is a message and an exit
 * status, never a stack trace: 2 for a bad command line, 1 for a bad declaration file or environment
 * (every problem listed) or a start that failed.
 */
import { parseArgs } from 'node:util';
import { ConfigError } from '@fountain/kit';
import { readRunnerSettings, runRunner } from './runner.ts';

const USAGE = `Usage:
  fountain-sync --config <file>          run: sync the tables the file declares, serve /health, /ready, /metrics, /sync/*
  fountain-sync check --config <file>    check the file against its database and exit (0: fine, 1: problems listed)

The declaration file (YAML or JSON) names the database, the tables, their collections, id columns and
field overrides (docs/sync-runner.md). Keys come from the environment: TYPESENSE_SERVICE_API_KEY (the
gateway's), API_KEY (the runner's admin routes). PORT, HOST and TYPESENSE_CLIENT_URL override the file.`;

/** Runs the command line; answers the exit status for a command that ends (check, errors). */
export async function main(argv: string[]): Promise<number | null> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: { config: { type: 'string', short: 'c' }, help: { type: 'boolean', short: 'h' } } });
  } catch (err) {
    console.error(`fountain-sync: ${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const command = positionals[0] ?? 'run';
  if (!['run', 'check'].includes(command) || positionals.length > 1 || !values.config) {
    console.error(`fountain-sync: ${values.config ? `unknown command '${positionals.join(' ')}'` : '--config <file> is required'}\n\n${USAGE}`);
    return 2;
  }
  try {
    const settings = readRunnerSettings(values.config);
    if (command === 'check') {
      console.log(`${values.config}: fine (${settings.declaration.tables.map((t) => t.table).join(', ')} in ${settings.declaration.database})`);
      return 0;
    }
    await runRunner(settings);
    return null;
  } catch (err) {
    if (err instanceof ConfigError) console.error(err.message);
    else console.error(`fountain-sync: could not start: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}

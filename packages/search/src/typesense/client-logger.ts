import type { ConfigurationOptions } from 'typesense';

/** The logger the gateway passes in: pino or anything with the same three methods. */
export interface PinoLikeLogger {
  warn(msg: string, ...args: unknown[]): void;
  error(msg: string, ...args: unknown[]): void;
  debug(msg: string, ...args: unknown[]): void;
}

/** The loglevel Logger type the official client expects. */
export type ClientLogger = NonNullable<ConfigurationOptions['logger']>;

const noop = (): void => undefined;

/**
 * Adapts a pino-like logger (or none) to the loglevel Logger the official client expects.
 *
 * The client calls `setLevel` on whatever logger it gets, and without one it reconfigures loglevel's
 * process-wide default logger and prints to the console; so we always hand it this adapter, whose
 * level is fixed and whose output goes to our logger. The client logs a warning per failed attempt
 * (node, error code), never the API key.
 */
export function clientLogger(logger: PinoLikeLogger | undefined): ClientLogger {
  const warn = logger ? (...args: unknown[]) => logger.warn(args.map(String).join(' ')) : noop;
  const error = logger ? (...args: unknown[]) => logger.error(args.map(String).join(' ')) : noop;
  const debug = logger ? (...args: unknown[]) => logger.debug(args.map(String).join(' ')) : noop;
  const adapter = {
    trace: debug,
    debug,
    log: debug,
    info: debug,
    warn,
    error,
    setLevel: noop,
    getLevel: () => 0,
    setDefaultLevel: noop,
    resetLevel: noop,
    enableAll: noop,
    disableAll: noop,
    rebuild: noop,
    levels: { TRACE: 0, DEBUG: 1, INFO: 2, WARN: 3, ERROR: 4, SILENT: 5 },
    methodFactory: () => noop,
  };
  return adapter as unknown as ClientLogger;
}

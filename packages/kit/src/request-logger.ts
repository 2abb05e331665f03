/**
 * Request loggers that cost nothing until they write. Fastify gives every request a child logger
 * (`reqId`) and the auth hook adds another (`keyId`); a pino child serializes its bindings, through
 * the redaction paths, the moment it is made. Most requests never write a line at `warn`, so building
 * the child when the first enabled line is written turns that work into none, and the lines that are
 * written are byte for byte those of an eager child (the same `parent.child(bindings)` calls).
 * pino has no lazy child of its own; this wraps it rather than replacing it.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level, Logger } from 'pino';

/** The logger a deferred child answers level checks with: the nearest pino logger above it. */
type LevelSource = Pick<Logger, 'isLevelEnabled'>;

function hasLevelCheck(logger: FastifyBaseLogger): logger is FastifyBaseLogger & LevelSource {
  return typeof (logger as Partial<LevelSource>).isLevelEnabled === 'function';
}

/**
 * A child logger made on first use. Writes at a disabled level return at once; the first enabled one
 * makes the real child (`parent.child(bindings)`, the parent made first if it is deferred too) and
 * every later call goes to it. `child()` defers as well, unless it is given options.
 */
export class DeferredChildLogger implements FastifyBaseLogger {
  readonly #parent: FastifyBaseLogger;
  readonly #bindings: Bindings;
  readonly #levels: LevelSource;
  #real: FastifyBaseLogger | undefined;

  constructor(parent: FastifyBaseLogger, bindings: Bindings, levels: LevelSource) {
    this.#parent = parent;
    this.#bindings = bindings;
    this.#levels = levels;
  }

  /** The real child, made now if it does not exist yet. */
  materialize(): FastifyBaseLogger {
    this.#real ??= this.#parent instanceof DeferredChildLogger ? this.#parent.materialize().child(this.#bindings) : this.#parent.child(this.#bindings);
    return this.#real;
  }

  /** Whether a line at `level` would be written. */
  isLevelEnabled(level: Level): boolean {
    const real = this.#real;
    if (real !== undefined) return hasLevelCheck(real) ? real.isLevelEnabled(level) : true;
    return this.#levels.isLevelEnabled(level);
  }

  get level(): string {
    return this.#real?.level ?? this.#parent.level;
  }

  set level(level: string) {
    this.materialize().level = level;
  }

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    if (this.#real !== undefined || (options !== undefined && Object.keys(options).length > 0)) return this.materialize().child(bindings, options);
    return new DeferredChildLogger(this, bindings, this.#levels);
  }

  fatal(...args: unknown[]): void {
    this.#write('fatal', args);
  }

  error(...args: unknown[]): void {
    this.#write('error', args);
  }

  warn(...args: unknown[]): void {
    this.#write('warn', args);
  }

  info(...args: unknown[]): void {
    this.#write('info', args);
  }

  debug(...args: unknown[]): void {
    this.#write('debug', args);
  }

  trace(...args: unknown[]): void {
    this.#write('trace', args);
  }

  silent(): void {}

  #write(level: Level, args: unknown[]): void {
    if (!this.isLevelEnabled(level)) return;
    const real = this.materialize();
    Reflect.apply(real[level], real, args);
  }
}

/**
 * Fastify `childLoggerFactory` making each request's logger a {@link DeferredChildLogger}. Falls back
 * to an eager child when the route asks for its own level or serializers, or the parent is not pino.
 *
 * @example
 *   fastify({ loggerInstance: logger, childLoggerFactory: deferredChildLoggerFactory });
 */
export function deferredChildLoggerFactory(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (Object.keys(options).length > 0 || !hasLevelCheck(logger)) return logger.child(bindings, options);
  return new DeferredChildLogger(logger, bindings, logger);
}

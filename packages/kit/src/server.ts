/**
 * runServer: listen, then shut down cleanly on SIGINT/SIGTERM (stop accepting, let in-flight
 * requests finish, run the service's own cleanup, exit), bounded by a timeout. A service started by
 * a launcher through an IPC channel (`npm start`) also shuts down when that channel closes: the
 * launcher is gone, by SIGKILL, the OOM killer or a closed terminal, and nothing else would stop it.
 */
import closeWithGrace from 'close-with-grace';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';

/** Options for {@link runServer}. */
export interface RunServerOptions {
  port: number;
  host: string;
  logger: Logger;
  /** Runs after the HTTP server has drained (close databases, stop relays). */
  onClose?: () => Promise<void>;
  /** Milliseconds the whole shutdown may take before the process exits anyway (default 10 000). */
  shutdownTimeoutMs?: number;
}

/** What {@link runServer} returns: the bound address, and a way to trigger the shutdown by hand. */
export interface RunningServer {
  address: string;
  /** Shuts down as a signal would (drain, onClose), without exiting the process. */
  close: () => Promise<void>;
}

/**
 * Listens and installs graceful shutdown.
 *
 * @example
 *   await runServer(app, { port: config.PORT, host: '0.0.0.0', logger, onClose: () => relay.stop() });
 */
export async function runServer(app: FastifyInstance, opts: RunServerOptions): Promise<RunningServer> {
  let closing: Promise<void> | undefined;
  const shutdown = (): Promise<void> => {
    closing ??= (async () => {
      // Keep-alive connections would hold close() open after their in-flight request ends; close
      // each one as soon as it goes idle. (app.close() itself stops accepting, answers requests that
      // arrive meanwhile with 503, waits for in-flight ones, then runs onClose hooks.)
      const reaper = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(reaper);
      }
      await opts.onClose?.();
      grace.uninstall();
    })();
    return closing;
  };

  const grace = closeWithGrace(
    {
      delay: opts.shutdownTimeoutMs ?? 10_000,
      logger: { error: (message: unknown, ...rest: unknown[]) => opts.logger.error({ rest }, String(message)) },
      onTimeout: (delay) => opts.logger.error({ delay }, 'graceful shutdown timed out; exiting'),
    },
    async ({ signal, err, manual }) => {
      if (err) opts.logger.error({ err }, 'fatal error; shutting down');
      else if (manual) opts.logger.warn('the launcher is gone (its IPC channel closed); shutting down');
      else opts.logger.info({ signal }, 'shutting down');
      await shutdown();
      opts.logger.info('shutdown complete');
    },
  );
  try {
    const address = await app.listen({ port: opts.port, host: opts.host });
    opts.logger.info({ address }, 'listening');
    exitWithLauncher(() => void grace.close());
    return { address, close: shutdown };
  } catch (err) {
    grace.uninstall();
    throw err;
  }
}

/** The variable through which a launcher (scripts/start.ts) asks its services to exit with it. */
export const LAUNCHER_PID_VAR = 'FOUNTAIN_LAUNCHER_PID';

/**
 * Calls `onGone` once when the launcher named by FOUNTAIN_LAUNCHER_PID is gone: at once when its IPC
 * channel (`stdio: [..., 'ipc']`) closes, which happens however it ends, SIGKILL included; and, for
 * a launcher without a channel, when this process stops being its child (checked every second).
 * Without the variable (a shell, systemd, a container, a test runner's worker) nothing is watched,
 * so `nohup` and process supervisors keep working.
 */
function exitWithLauncher(onGone: () => void, env: NodeJS.ProcessEnv = process.env): void {
  const launcher = Number(env[LAUNCHER_PID_VAR]);
  if (!Number.isInteger(launcher) || launcher <= 0) return;
  let done = false;
  const gone = (): void => {
    if (done) return;
    done = true;
    clearInterval(poll);
    onGone();
  };
  const poll = setInterval(() => process.ppid !== launcher && gone(), 1000).unref();
  if (typeof process.send === 'function') {
    // The channel must not keep the process alive by itself; its close is the signal.
    process.channel?.unref();
    process.once('disconnect', gone);
    // The launcher may have died while the service was still starting (loading its data).
    if (!process.connected) gone();
  }
  if (process.ppid !== launcher) gone();
}

/**
 * The address a service binds to: HOST if set; else 127.0.0.1 in development (where the default keys
 * are the seeds' public placeholders) and 0.0.0.0 in production.
 */
export function bindHost(config: { HOST?: string | undefined; NODE_ENV: string }): string {
  return config.HOST ?? (config.NODE_ENV === 'production' ? '0.0.0.0' : '127.0.0.1');
}

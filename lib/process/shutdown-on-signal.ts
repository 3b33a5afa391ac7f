/** What it says while stopping; a pino Logger fits, so does a function that prints lines. */
type Say = (fields: { signal?: string; err?: string }, message: string) => void;
export type ShutdownLogger = Record<'info' | 'warn' | 'error', Say>;

export interface ShutdownOnSignalOptions {
  /** Stops what the process runs: resolved, the process exits 0; rejected, it exits 1. */
  stop: () => Promise<void>;
  logger: ShutdownLogger;
  /** Injected by tests; the real process by default. */
  process?: Pick<NodeJS.EventEmitter, 'on' | 'off'>;
  exit?: (code: number) => void;
}

export interface ShutdownHandle {
  /** True once a signal arrived (a failing start then is part of the stop, not a crash). */
  readonly stopping: boolean;
  /** Stops listening (tests). */
  dispose(): void;
}

const SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/**
 * Every deployable's graceful stop: on the first SIGTERM or SIGINT (Kubernetes, Ctrl-C) run
 * `stop` and exit 0 (1 if it failed); a second signal exits 1 at once, for whoever is tired
 * of waiting for in-flight work to drain.
 */
export function shutdownOnSignal(options: ShutdownOnSignalOptions): ShutdownHandle {
  const target = options.process ?? process;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  const { logger } = options;
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting without waiting');
      exit(1);
      return;
    }
    stopping = true;
    logger.info({ signal }, 'signal received, stopping');
    options.stop().then(
      () => {
        logger.info({ signal }, 'stopped');
        exit(0);
      },
      (error: unknown) => {
        logger.error(
          { err: error instanceof Error ? error.message : String(error) },
          'stopping failed',
        );
        exit(1);
      },
    );
  };
  for (const signal of SIGNALS) target.on(signal, onSignal);
  return {
    get stopping() {
      return stopping;
    },
    dispose: () => {
      for (const signal of SIGNALS) target.off(signal, onSignal);
    },
  };
}

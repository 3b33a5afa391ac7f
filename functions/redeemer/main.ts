import { runFunction } from '../../lib/http/run-function.js';
import { config, logger, redeemer } from './index.js';

// Without a PingSource (local runs), a timer fires the sweep; a sweep at start re-sends what
// a previous run left behind.
let timer: NodeJS.Timeout | undefined;
if (config.intervalMs > 0) {
  const tick = () =>
    redeemer
      .sweep()
      .then(() => redeemer.drainDeadLetters())
      .catch((error: Error) => logger.warn({ err: error.message }, 'sweep failed'));
  void tick();
  timer = setInterval(tick, config.intervalMs);
}

await runFunction({
  name: 'redeemer',
  port: config.port,
  logger,
  close: async () => {
    clearInterval(timer);
    await redeemer.close();
  },
});

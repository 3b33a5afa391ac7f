import { pino, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

/**
 * One JSON logger per component. `component` is on every line so that interleaved logs
 * (npm start runs every component side by side) say who said what.
 */
export function createLogger(component: string, level: LevelWithSilent = 'info'): Logger {
  return pino({ base: { component }, level, timestamp: pino.stdTimeFunctions.isoTime });
}

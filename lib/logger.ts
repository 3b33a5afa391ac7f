import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';
import { PinoPretty } from 'pino-pretty';

export type { Logger };

/**
 * One JSON logger per component. `component` is on every line so that interleaved logs
 * (`facetrail start` runs every component in one process) say who said what.
 */
export function createLogger(
  component: string,
  level: LevelWithSilent = 'info',
  destination?: DestinationStream,
): Logger {
  const options = { base: { component }, level, timestamp: pino.stdTimeFunctions.isoTime };
  return destination ? pino(options, destination) : pino(options);
}

/** Human-friendly lines for a terminal: `12:00:01.234 INFO receiver │ message {details}`. */
export function prettyDestination(): DestinationStream {
  return PinoPretty({
    colorize: true,
    singleLine: true,
    sync: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,component',
    messageFormat: '{component} │ {msg}',
  });
}

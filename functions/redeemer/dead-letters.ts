import type { DeadLettersRepository } from '../../lib/db/dead-letters-repo.js';
import { recordDeadLetter, type RecordOutcome } from '../../lib/dead-letters.js';
import type { Logger } from '../../lib/logger.js';

export type DrainCounts = Record<RecordOutcome, number>;

export interface DeadLetterDrainDeps {
  deadLetters: DeadLettersRepository;
  /** Reads what the dead-letter topic holds now, handing each body over (lib/queue/nsq-drain). */
  drain: (handle: (body: Buffer) => Promise<void>) => Promise<number>;
  logger: Logger;
}

/**
 * Moves the dead-letter topic into the dead_letters table, where `facetrail dead-letters` lists,
 * replays and purges them; the ones whose image is final already are dropped on the way.
 */
export async function drainDeadLetters(deps: DeadLetterDrainDeps): Promise<DrainCounts> {
  const counts: DrainCounts = { stored: 0, duplicate: 0, dropped: 0, unreadable: 0 };
  await deps.drain(async (body) => {
    const outcome = await recordDeadLetter(deps.deadLetters, body);
    counts[outcome] += 1;
    if (outcome === 'unreadable')
      deps.logger.warn(
        { body: body.toString('utf8').slice(0, 200) },
        'not a dead letter; dropped from the dead-letter topic',
      );
  });
  if (counts.stored > 0)
    deps.logger.warn({ ...counts }, 'dead letters stored: see `facetrail dead-letters list`');
  return counts;
}

import type { DeadLetterRecord } from '../lib/db/dead-letters-repo.js';
import { CliError, describeError, errorCodeOf, EXIT, type Api } from './api.js';

function failed(data: unknown, status: number): CliError {
  return new CliError(
    describeError(data, status),
    status === 400 ? EXIT.usage : EXIT.failed,
    errorCodeOf(data),
  );
}

/** Every stored dead letter, oldest first (those whose image is final are dropped first). */
export async function listDeadLetters(api: Api): Promise<DeadLetterRecord[]> {
  const all: DeadLetterRecord[] = [];
  for (let after = 0; ;) {
    const { status, data } = await api.request<{ deadLetters: DeadLetterRecord[] }>(
      'GET',
      `/dead-letters?limit=1000${after > 0 ? `&after=${after}` : ''}`,
    );
    if (status !== 200) throw failed(data, status);
    all.push(...data.deadLetters);
    if (data.deadLetters.length < 1000) return all;
    after = data.deadLetters[data.deadLetters.length - 1]!.id;
  }
}

/** Re-publishes the given dead letters, or every one not replayed yet. */
export async function replayDeadLetters(
  api: Api,
  ids: number[] | undefined,
): Promise<{ replayed: number[]; dropped: number }> {
  const { status, data } = await api.request<{ replayed: number[]; dropped: number }>(
    'POST',
    '/dead-letters/replay',
    { json: ids ? { ids } : {} },
  );
  if (status !== 200) throw failed(data, status);
  return data;
}

/** Deletes the given dead letters, or all of them. */
export async function purgeDeadLetters(api: Api, ids: number[] | undefined): Promise<number> {
  const { status, data } = await api.request<{ purged: number }>('DELETE', '/dead-letters', {
    json: ids ? { ids } : {},
  });
  if (status !== 200) throw failed(data, status);
  return data.purged;
}

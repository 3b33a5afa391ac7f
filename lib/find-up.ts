import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Finds `relative` (e.g. `sql` or `proto/...`) in `start` or the nearest folder above it: the
 * same code runs from lib/ under tsx and from dist/lib/ when compiled, one level deeper.
 */
export function findUp(relative: string, start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, relative);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) throw new Error(`cannot find ${relative} above ${start}`);
  }
}

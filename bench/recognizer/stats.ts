/** Small numeric and formatting helpers for the recognizer benchmarks. */

export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return (
    (sorted[low] as number) + ((sorted[high] as number) - (sorted[low] as number)) * (rank - low)
  );
}

export const median = (values: readonly number[]) => percentile(values, 50);
export const mean = (values: readonly number[]) =>
  values.reduce((sum, value) => sum + value, 0) / (values.length || 1);

/** CPU time of this process (all threads: main, workers, libvips), in ms. */
export function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/** Resident memory of a process in MiB (Linux /proc), undefined elsewhere. */
export async function rssMiB(pid: number): Promise<number | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /VmRSS:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** CPU time (user + system, all threads) of a process in ms (Linux /proc), undefined elsewhere. */
export async function processCpuMs(pid: number): Promise<number | undefined> {
  try {
    const { readFile } = await import('node:fs/promises');
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

export async function loadAverage(): Promise<number[]> {
  const os = await import('node:os');
  return os.loadavg().map((value) => Number(value.toFixed(2)));
}

export type Cell = string | number | undefined;

const show = (cell: Cell) =>
  cell === undefined ? '' : typeof cell === 'number' ? String(cell) : cell;

/** A Markdown table (pastes into docs/performance.md as is). */
export function table(header: string[], rows: Cell[][]): string {
  const cells = [header, ...rows.map((row) => row.map(show))];
  const widths = header.map((_, column) =>
    Math.max(3, ...cells.map((row) => (row[column] ?? '').length)),
  );
  const line = (row: string[]) =>
    `| ${row.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  return [
    line(cells[0]!),
    `| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export const fixed = (value: number, digits = 1) =>
  Number.isFinite(value) ? value.toFixed(digits) : '–';
export const pct = (part: number, whole: number, digits = 1) =>
  whole > 0 ? `${((100 * part) / whole).toFixed(digits)}%` : '–';

/** Runs `task` over `items` with at most `concurrency` in flight; results in item order. */
export async function mapConcurrent<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const index = next++;
        results[index] = await task(items[index] as T, index);
      }
    }),
  );
  return results;
}

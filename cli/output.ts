import { SingleBar, Presets } from 'cli-progress';
import Table from 'cli-table3';

/** A progress bar on stderr when it is a terminal; nothing otherwise (logs and pipes stay clean). */
export function progressBar(label: string, total: number) {
  if (!process.stderr.isTTY || total === 0)
    return { increment: () => undefined, stop: () => undefined };
  const bar = new SingleBar(
    { format: `${label} [{bar}] {value}/{total} {file}`, stream: process.stderr, hideCursor: true },
    Presets.shades_classic,
  );
  bar.start(total, 0, { file: '' });
  return {
    increment: (file: string) => bar.increment(1, { file }),
    stop: () => bar.stop(),
  };
}

export function table(head: string[], rows: Array<Array<string | number>>): string {
  const output = new Table({ head, style: { head: [], border: [] } });
  output.push(...rows.map((row) => row.map(String)));
  return output.toString();
}

/** Fixed-width columns for rows printed one at a time, as results arrive. */
export function streamingTable(columns: Array<{ title: string; width: number }>) {
  const line = (cells: string[]) =>
    cells
      .map((cell, index) =>
        index === cells.length - 1
          ? cell
          : cell.slice(0, columns[index]!.width).padEnd(columns[index]!.width),
      )
      .join('  ');
  return {
    header: () => line(columns.map((column) => column.title)),
    row: (cells: Array<string | number>) => line(cells.map(String)),
  };
}

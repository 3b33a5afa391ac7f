/** What every benchmark section gets and gives back. */

export interface BenchContext {
  /** `--quick`: subsamples everything to run in a few minutes. */
  quick: boolean;
  /** Progress on stderr (tables go to stdout). */
  log(message: string): void;
}

export interface SectionResult {
  title: string;
  /** Markdown (tables and short notes), printed and written to the JSON. */
  text: string;
  /** Raw numbers for the JSON file. */
  data: Record<string, unknown>;
}

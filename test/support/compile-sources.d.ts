/** Compiles the sources into a folder of this test run's own and returns it. */
export function compileSources(): Promise<string>;
/** Removes a folder compileSources returned. */
export function removeCompiled(outdir: string): void;

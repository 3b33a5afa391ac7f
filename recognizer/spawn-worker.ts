import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * The URL of a worker module beside `moduleUrl`: `name.ts` when the caller itself runs as
 * TypeScript (tsx, jest), `name.js` when it runs compiled from dist/.
 */
export function siblingModule(moduleUrl: string, name: string): URL {
  const extension = /\.[cm]?ts$/.test(new URL(moduleUrl).pathname) ? 'ts' : 'js';
  return new URL(`./${name}.${extension}`, moduleUrl);
}

function tsxApiUrl(): string {
  // import.meta.resolve picks the package's "import" export; jest's module sandbox lacks it.
  const resolve = (import.meta as { resolve?: (specifier: string) => string }).resolve;
  if (typeof resolve === 'function') return resolve('tsx/esm/api');
  const cjs = createRequire(import.meta.url).resolve('tsx/esm/api');
  return pathToFileURL(cjs.replace(/\.cjs$/, '.mjs')).href;
}

/**
 * Starts a worker thread on `entry`. A `.ts` entry gets a tiny bootstrap that registers tsx
 * inside the worker first: on Node 20 a worker inherits `--import tsx` in its execArgv, but
 * the loader hooks do not apply to the worker's own entry ("Unknown file extension .ts").
 */
export function spawnWorker(entry: URL, options: WorkerOptions = {}): Worker {
  if (!/\.[cm]?ts$/.test(entry.pathname)) return new Worker(entry, options);
  const bootstrap = [
    `import(${JSON.stringify(tsxApiUrl())})`,
    `.then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); })`,
  ].join('');
  return new Worker(bootstrap, { ...options, eval: true });
}

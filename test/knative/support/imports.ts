// The static import graph of an entry point, read from the TypeScript sources: which of the
// repository's files it loads and which npm packages those import. Type-only imports are
// left out (they are erased at compile time).
import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { ROOT } from './repo.js';

const BUILTINS = new Set(builtinModules);

export interface ImportGraph {
  /** Repository files reached, relative to the root. */
  files: Set<string>;
  /** npm package name -> the files that import it. */
  packages: Map<string, Set<string>>;
}

/** `@scope/name/sub/path` -> `@scope/name`; `name/sub` -> `name`. */
export function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** The module specifiers a source file loads at run time. */
export function runtimeSpecifiers(source: string): string[] {
  const code = source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const specifiers: string[] = [];
  // import x from '...'; import { a } from '...'; export { a } from '...'; export * from '...'
  for (const match of code.matchAll(
    /\b(import|export)\s+(type\s+)?([^;'"]*?)\s*from\s*['"]([^'"]+)['"]/g,
  )) {
    if (!match[2]) specifiers.push(match[4]!);
  }
  // import '...' (side effects only)
  for (const match of code.matchAll(/\bimport\s+['"]([^'"]+)['"]/g)) specifiers.push(match[1]!);
  // import('...'), require('...'), require.resolve('...')
  for (const match of code.matchAll(
    /\b(?:import|require(?:\.resolve)?)\(\s*['"]([^'"]+)['"]\s*\)/g,
  )) {
    specifiers.push(match[1]!);
  }
  // Worker threads started from a sibling module (recognizer/spawn-worker.ts).
  for (const match of code.matchAll(/\bsiblingModule\([^,]+,\s*['"]([^'"]+)['"]\s*\)/g)) {
    specifiers.push(`./${match[1]!}.js`);
  }
  return specifiers;
}

function resolveRelative(fromFile: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(path.join(ROOT, fromFile)), specifier);
  const candidates = [
    base.replace(/\.js$/, '.ts'),
    base.replace(/\.mjs$/, '.mts'),
    base,
    `${base}.ts`,
    path.join(base, 'index.ts'),
  ];
  const found = candidates.find((candidate) => existsSync(candidate) && candidate.includes('.'));
  return found && path.relative(ROOT, found);
}

/** Follows relative imports from `entry` (relative to the root), collecting packages. */
export function importGraph(entry: string): ImportGraph {
  const graph: ImportGraph = { files: new Set(), packages: new Map() };
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (graph.files.has(file)) continue;
    graph.files.add(file);
    const source = readFileSync(path.join(ROOT, file), 'utf8');
    for (const specifier of runtimeSpecifiers(source)) {
      if (specifier.startsWith('.')) {
        const resolved = resolveRelative(file, specifier);
        if (!resolved) throw new Error(`${file}: cannot resolve ${specifier}`);
        pending.push(resolved);
      } else if (!specifier.startsWith('node:') && !BUILTINS.has(packageName(specifier))) {
        const name = packageName(specifier);
        if (!graph.packages.has(name)) graph.packages.set(name, new Set());
        graph.packages.get(name)!.add(file);
      }
    }
  }
  return graph;
}

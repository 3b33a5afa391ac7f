// The import rules `npm run lint` enforces (dependency-cruiser): no circles, and each deployable
// stands on lib/ alone, so any one of them can be built, read and changed without the others.
// docs/architecture.md explains the layout; test/lint/dependency-rules.test.ts proves the rules
// catch a circle and a cross-deployable import.

const path = require('node:path');

/** A deployable's folder: functions/<name>, adapters/<name>, recognizer, standalone. */
const DEPLOYABLE = '^(functions/[^/]+|adapters/[^/]+|recognizer|standalone)/';

/**
 * What the standalone composition may take from the other deployables: each one's config and
 * wiring (its composition entry), nothing deeper. It is the one place that runs them together.
 */
const COMPOSITION_ENTRIES = [
  '^functions/[^/]+/(config|wiring)[.]ts$',
  '^adapters/nsq-cloudevents/(config|adapter|embedded)[.]ts$',
  '^recognizer/(config|server)[.]ts$',
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A circle of imports: loading one module drags in all the others. Cut it at a leaf.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'deployables-import-only-lib',
      severity: 'error',
      comment:
        'A deployable (functions/*, adapters/*, recognizer/) imports lib/ and its own folder, never another deployable.',
      from: { path: '^(functions/[^/]+|adapters/[^/]+|recognizer)/' },
      to: { path: DEPLOYABLE, pathNot: ['^$1/'] },
    },
    {
      name: 'standalone-imports-composition-entries-only',
      severity: 'error',
      comment:
        'standalone/ composes the deployables through their config and wiring only, never their internals.',
      from: { path: '^standalone/' },
      to: { path: DEPLOYABLE, pathNot: ['^standalone/', ...COMPOSITION_ENTRIES] },
    },
    {
      name: 'lib-imports-no-deployable',
      severity: 'error',
      comment: 'lib/ is shared by every deployable; it must not depend on any of them.',
      from: { path: '^lib/' },
      to: { path: `${DEPLOYABLE}|^(cli|scripts|bench)/` },
    },
    {
      name: 'production-imports-no-tests',
      severity: 'error',
      comment: 'Production code does not load test helpers.',
      from: { path: `${DEPLOYABLE}|^lib/`, pathNot: '[.]test[.]ts$' },
      to: { path: '^test/' },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      comment: 'An import that resolves to nothing.',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // The broken examples test/lint/dependency-rules.test.ts cruises on their own.
    exclude: {
      path: '^(node_modules|dist|tools|data|coverage|test-artifacts|test/lint/fixtures)/',
    },
    tsPreCompilationDeps: true,
    // Absolute, so the rules also run from another folder (the test's fixtures).
    tsConfig: { fileName: path.join(__dirname, 'tsconfig.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
  },
};

// ES modules all the way: @swc/jest strips types, jest runs native ESM
// (needs --experimental-vm-modules, set in the npm scripts).
import { availableParallelism } from 'node:os';

/** @type {import('jest').Config} */
const swc = [
  '@swc/jest',
  {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'es6' },
  },
];

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  // test/faults runs on its own (`npm run test:faults`, jest.faults.config.js).
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/tools/', '/test/faults/'],
  globalSetup: './test/support/global-setup.js',
  globalTeardown: './test/support/global-teardown.js',
  // Two test files at a time even on two cores (jest's default would be one): most of a file's
  // time is spent waiting on the processes it started (a recognizer loading, nsqd's requeue
  // timers, Chromium), and every file has its own database, ports and data folders. Measured on
  // two cores: 139 s against 247 s one at a time.
  maxWorkers: Math.max(2, Math.floor(availableParallelism() / 2)),
};

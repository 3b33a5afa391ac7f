// ES modules all the way: @swc/jest strips types, jest runs native ESM
// (needs --experimental-vm-modules, set in the npm scripts).
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
};

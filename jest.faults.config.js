// `npm run test:faults`: the fault suite (test/faults) alone. It runs the cluster topology as
// separate processes for minutes, so the default `npm test` leaves it out (jest.config.js).
import base from './jest.config.js';

export default {
  ...base,
  testPathIgnorePatterns: base.testPathIgnorePatterns.filter(
    (pattern) => pattern !== '/test/faults/',
  ),
  roots: ['<rootDir>/test/faults'],
};

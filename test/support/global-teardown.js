// After every test: this run's compiled sources (global-setup.js) go.
import { removeCompiled } from './compile-sources.js';

export default function globalTeardown() {
  if (process.env.FACETRAIL_TEST_BUILD_DIR) removeCompiled(process.env.FACETRAIL_TEST_BUILD_DIR);
}

import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The shared test photos (../shared/fixtures beside the repo); never copied into the repo. */
export const FIXTURES =
  process.env.FACETRAIL_FIXTURES ??
  path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../shared/fixtures');

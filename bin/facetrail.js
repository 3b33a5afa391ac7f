#!/usr/bin/env node
// The `facetrail` command: runs the TypeScript CLI through tsx (no build step needed).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv);
// `facetrail start` keeps running; every other command ends here.
if (process.argv[2] !== 'start') process.exit(code);

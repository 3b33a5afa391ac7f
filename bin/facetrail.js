#!/usr/bin/env node
// The `facetrail` command: runs the TypeScript CLI through tsx (no build step needed).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
const code = await main(process.argv);
// `facetrail start` keeps running (undefined); every other command ends here.
if (code !== undefined) process.exit(code);

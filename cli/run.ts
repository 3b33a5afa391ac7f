// Runs the CLI on this process's arguments: bin/facetrail.js loads it through tsx, and it runs
// compiled as it is (`node dist/cli/run.js`).
import { main } from './main.js';

const code = await main(process.argv);
// `facetrail start` keeps running (undefined); every other command ends here.
if (code !== undefined) process.exit(code);

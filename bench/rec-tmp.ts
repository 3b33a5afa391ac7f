import { readFileSync } from 'node:fs';
import { createTestDatabase } from '../test/support/database.js';
import { FIXTURES } from '../test/support/fixtures.js';
import { startRecognizer } from '../test/support/recognizer.js';
const cpu = (pid: number) => { const s = readFileSync(`/proc/${pid}/stat`, 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
const db = await createTestDatabase('rec_tmp');
for (const workers of ['1', '1', '2']) {
  const r = await startRecognizer({ databaseUrl: db.url, imagesRoot: FIXTURES, env: { INFERENCE_WORKERS: workers } });
  const c = cpu(r.process.child.pid!);
  const warm = r.logs().find((l) => l.msg === 'inference pool warm');
  console.log(`workers ${workers}: startup ${r.startupMs} ms, cpu ${c.toFixed(2)} s`, JSON.stringify(warm));
  await r.stop();
}
await db.drop();
process.exit(0);

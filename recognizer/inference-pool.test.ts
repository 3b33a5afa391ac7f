import { createLogger } from '../lib/logger.js';
import { InferencePool, type InferencePoolOptions } from './inference-pool.js';
import { InferenceError } from './inference-protocol.js';

const FAKE_WORKER = new URL('./testing/fake-inference-worker.mjs', import.meta.url);
const logger = createLogger('test', 'silent');

/** width selects the fake worker's behaviour: 1 crash, 2 hang, 3 throw, else one face. */
const image = (width: number, firstPixel = 255) => ({
  data: Uint8Array.from({ length: width * 2 * 3 }, (_, i) => (i === 0 ? firstPixel : 0)),
  width,
  height: 2,
});

describe('InferencePool', () => {
  const pools: InferencePool[] = [];
  const createPool = (options: Partial<InferencePoolOptions> = {}) => {
    const pool = new InferencePool({
      size: 2,
      backend: 'wasm',
      minDetectionScore: 0.5,
      jobTimeoutMs: 5000,
      logger,
      workerUrl: FAKE_WORKER,
      restartDelayMs: 10,
      ...options,
    });
    pools.push(pool);
    return pool;
  };
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((pool) => pool.close()));
  });

  it('is ready once every worker reported ready, and answers queued jobs in parallel', async () => {
    const pool = createPool();
    const info = await pool.ready;
    expect(info.backend).toMatch(/^fake-/);
    expect(pool.stats()).toMatchObject({ workers: 2, idle: 2 });
    const results = await Promise.all(
      Array.from({ length: 5 }, (_, i) => pool.detect(image(10 + i, 51))),
    );
    expect(results.map((faces) => faces.length)).toEqual([1, 1, 1, 1, 1]);
    expect(results[0]![0]).toMatchObject({ box: { x: 1, y: 2, width: 5, height: 1 }, score: 0.2 });
    expect(Object.prototype.toString.call(results[0]![0]!.descriptor)).toBe(
      '[object Float32Array]',
    );
    // Both workers took part.
    expect(new Set(results.map((faces) => faces[0]!.descriptor[0])).size).toBe(2);
    expect(pool.stats()).toMatchObject({ started: 5, completed: 5, failed: 0, queued: 0 });
  });

  it('fails the in-flight job of a crashed worker retryably and restarts the worker', async () => {
    const pool = createPool({ size: 1 });
    await pool.ready;
    const crash = pool.detect(image(1));
    const queued = pool.detect(image(20));
    const error = await crash.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(InferenceError);
    expect(error).toMatchObject({ kind: 'crashed', retryable: true });
    // The job that waited behind it runs on the restarted worker.
    await expect(queued).resolves.toHaveLength(1);
    expect(pool.stats()).toMatchObject({ restarts: 1, failed: 1, completed: 1 });
  });

  it('restarts a worker that hangs past the job timeout', async () => {
    const pool = createPool({ size: 1, jobTimeoutMs: 200 });
    await pool.ready;
    await expect(pool.detect(image(2))).rejects.toMatchObject({ kind: 'timeout', retryable: true });
    await expect(pool.detect(image(20))).resolves.toHaveLength(1);
    expect(pool.stats().restarts).toBe(1);
  });

  it('reports an error thrown inside the worker as a permanent failure without restarting', async () => {
    const pool = createPool({ size: 1 });
    await pool.ready;
    await expect(pool.detect(image(3))).rejects.toMatchObject({ kind: 'failed', retryable: false });
    await expect(pool.detect(image(20))).resolves.toHaveLength(1);
    expect(pool.stats().restarts).toBe(0);
  });

  it('drops a queued job whose caller gave up', async () => {
    const pool = createPool({ size: 1 });
    await pool.ready;
    const first = pool.detect(image(20));
    const controller = new AbortController();
    const second = pool.detect(image(21), controller.signal);
    controller.abort();
    await expect(second).rejects.toMatchObject({ kind: 'cancelled' });
    await expect(first).resolves.toHaveLength(1);
    expect(pool.stats().started).toBe(1);
  });

  it('answers a job whose caller gave up while it was on a worker at once, and drops its answer', async () => {
    // The job timeout is far away: only the cancellation can end this call in time.
    const pool = createPool({ size: 1, jobTimeoutMs: 60_000 });
    await pool.ready;
    const controller = new AbortController();
    let started!: () => void;
    const onWorker = new Promise<void>((resolve) => (started = resolve));
    const hanging = pool.detect(image(2), controller.signal, {}, { onStarted: () => started() });
    await onWorker;
    controller.abort();
    await expect(hanging).rejects.toMatchObject({ kind: 'cancelled' });
    expect(pool.stats()).toMatchObject({ abandoned: 1, busy: 1 });
  });

  it('runs an exclusive job alone: after the running jobs, before the ones behind it', async () => {
    const pool = createPool({ size: 2, jobTimeoutMs: 300 });
    await pool.ready;
    const busyAtStart: Record<string, number> = {};
    const note = (name: string) => () => (busyAtStart[name] = pool.stats().busy);
    // Hangs on one worker until the job timeout replaces it; the other worker stays idle.
    const hanging = pool.detect(image(2), undefined, {}, { onStarted: note('hanging') });
    const exclusive = pool.detect(
      image(20),
      undefined,
      {},
      { exclusive: true, onStarted: note('exclusive') },
    );
    const behind = pool.detect(image(21), undefined, {}, { onStarted: note('behind') });
    expect(pool.stats()).toMatchObject({ busy: 1, queued: 2 });
    await expect(hanging).rejects.toMatchObject({ kind: 'timeout' });
    await expect(exclusive).resolves.toHaveLength(1);
    await expect(behind).resolves.toHaveLength(1);
    expect(busyAtStart).toEqual({ hanging: 1, exclusive: 1, behind: 1 });
  });

  it('rejects queued and new jobs once closed', async () => {
    const pool = createPool({ size: 1 });
    await pool.ready;
    const running = pool.detect(image(2)).catch((error: unknown) => error);
    const queued = pool.detect(image(20)).catch((error: unknown) => error);
    await pool.close();
    expect(await running).toMatchObject({ kind: 'closed' });
    expect(await queued).toMatchObject({ kind: 'closed' });
    await expect(pool.detect(image(20))).rejects.toMatchObject({ kind: 'closed' });
  });

  it('passes mirror averaging per job', async () => {
    const pool = createPool({ size: 1 });
    await pool.ready;
    const [plain] = await pool.detect(image(20));
    const [mirrored] = await pool.detect(image(20), undefined, { mirrorAverage: true });
    expect(plain!.descriptor[1]).toBe(0);
    expect(mirrored!.descriptor[1]).toBe(1);
  });

  it('warns when the live tensors of a worker grow from one job to the next', async () => {
    const lines: Array<{ msg: string; tensors?: number }> = [];
    const pool = createPool({
      size: 1,
      logger: createLogger('test', 'warn', {
        write: (line: string) => lines.push(JSON.parse(line) as { msg: string }),
      }),
    });
    await pool.ready;
    await pool.detect(image(20));
    await pool.detect(image(20));
    expect(lines).toEqual([]);
    expect(pool.stats().tensors).toEqual([10]);
    await pool.detect(image(4));
    expect(lines).toMatchObject([
      { msg: expect.stringMatching(/tensors are accumulating/), tensors: 11 },
    ]);
    expect(pool.stats().tensors).toEqual([11]);
  });

  it('rejects ready when a worker cannot start', async () => {
    const pool = createPool({ backend: 'tensorflow' });
    await expect(pool.ready).rejects.toThrow(/failed to start: fake: no tfjs-node here/);
  });
});

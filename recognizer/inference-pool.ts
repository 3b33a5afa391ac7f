import type { Worker } from 'node:worker_threads';
import type { Logger } from '../lib/logger.js';
import type { DetectorName, InferenceBackendPreference } from './inference-protocol.js';
import {
  InferenceError,
  type DetectedFace,
  type DetectOptions,
  type FromWorker,
  type RawImage,
  type ToWorker,
  type WorkerInit,
} from './inference-protocol.js';
import { siblingModule, spawnWorker } from './spawn-worker.js';

export interface InferencePoolOptions {
  size: number;
  backend: InferenceBackendPreference;
  /** Default `ssd`. */
  detector?: DetectorName;
  minDetectionScore: number;
  /** TinyFaceDetector input size; default 416. */
  tinyInputSize?: number;
  /** SSD input square the analyzer asks for on photos not enlarged; default 512. */
  ssdInputSize?: number;
  /** A job running longer than this fails (retryably) and its worker is replaced. */
  jobTimeoutMs: number;
  logger: Logger;
  /** The worker module; tests substitute a fake. Default: inference-worker.{ts,js} beside this file. */
  workerUrl?: URL;
  /** First restart delay after a crash; doubles per consecutive crash up to maxRestartDelayMs. */
  restartDelayMs?: number;
  maxRestartDelayMs?: number;
}

export interface PoolInfo {
  backend: string;
  /** Slowest worker's model load and warm-up, in ms. */
  loadMs: number;
  warmupMs: number;
}

export interface PoolStats {
  workers: number;
  idle: number;
  busy: number;
  queued: number;
  /** Jobs handed to a worker since start. */
  started: number;
  completed: number;
  failed: number;
  restarts: number;
  /** Jobs whose caller cancelled while they were on a worker (their answers were dropped). */
  abandoned: number;
  /** Live tfjs tensors reported by each worker after its last job (constant unless a leak). */
  tensors: number[];
}

/** What a caller may ask of one job besides the image (not sent to the worker). */
export interface JobHooks {
  /** Called when the job is handed to a worker: inference on this image has started. */
  onStarted?: () => void;
  /**
   * Run alone: wait until no worker has a job, and start nothing else until this one ends.
   * For a photo suspected of crashing the process, so that a crash takes only its own work.
   */
  exclusive?: boolean;
}

interface Job {
  id: number;
  exclusive: boolean;
  onStarted: (() => void) | undefined;
  /** The caller gave up while the job was on a worker: its answer is thrown away. */
  abandoned: boolean;
  image: RawImage;
  options: DetectOptions;
  resolve(faces: DetectedFace[]): void;
  reject(error: Error): void;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
  timer?: NodeJS.Timeout;
}

interface Slot {
  index: number;
  worker: Worker | undefined;
  state: 'starting' | 'idle' | 'busy' | 'down';
  job: Job | undefined;
  /** Consecutive crashes without a successful start in between. */
  crashes: number;
  restartTimer: NodeJS.Timeout | undefined;
  lastError: Error | undefined;
  /** Live tensors after the worker's last job; the first job's count is the reference. */
  tensors: number | undefined;
  tensorsReference: number | undefined;
}

/**
 * A fixed set of worker threads, each with its own tfjs backend and models, fed from one
 * FIFO queue so the gRPC thread never runs inference. `ready` resolves once every worker
 * loaded its models and ran a warm-up inference. A worker that dies (or hangs past the job
 * timeout) fails its in-flight job with a retryable InferenceError and is restarted with
 * exponential backoff; queued jobs wait for the next free worker.
 */
export class InferencePool {
  readonly ready: Promise<PoolInfo>;
  private readonly slots: Slot[];
  private readonly queue: Job[] = [];
  private readonly workerUrl: URL;
  private readonly init: WorkerInit;
  private nextJobId = 1;
  private closing = false;
  private initialPending: number;
  private info: PoolInfo | undefined;
  private resolveReady!: (info: PoolInfo) => void;
  private rejectReady!: (error: Error) => void;
  private readonly counters = { started: 0, completed: 0, failed: 0, restarts: 0, abandoned: 0 };

  constructor(private readonly options: InferencePoolOptions) {
    if (!Number.isInteger(options.size) || options.size < 1)
      throw new Error('the pool needs at least one worker');
    this.workerUrl = options.workerUrl ?? siblingModule(import.meta.url, 'inference-worker');
    this.init = {
      backend: options.backend,
      detector: options.detector ?? 'ssd',
      minDetectionScore: options.minDetectionScore,
      tinyInputSize: options.tinyInputSize ?? 416,
      ssdInputSize: options.ssdInputSize,
    };
    this.ready = new Promise<PoolInfo>((resolve, reject) => {
      this.resolveReady = resolve;
      this.rejectReady = reject;
    });
    // Callers may only look at `ready` later; avoid an unhandled rejection meanwhile.
    this.ready.catch(() => undefined);
    this.initialPending = options.size;
    this.slots = Array.from({ length: options.size }, (_, index) => ({
      index,
      worker: undefined,
      state: 'down' as const,
      job: undefined,
      crashes: 0,
      restartTimer: undefined,
      lastError: undefined,
      tensors: undefined,
      tensorsReference: undefined,
    }));
    for (const slot of this.slots) this.spawn(slot);
  }

  /** The backend the workers run on; undefined until the first worker is ready. */
  get backend(): string | undefined {
    return this.info?.backend;
  }

  get size(): number {
    return this.slots.length;
  }

  stats(): PoolStats {
    return {
      workers: this.slots.length,
      idle: this.slots.filter((slot) => slot.state === 'idle').length,
      busy: this.slots.filter((slot) => slot.state === 'busy').length,
      queued: this.queue.length,
      ...this.counters,
      tensors: this.slots.map((slot) => slot.tensors ?? 0),
    };
  }

  /** Detects every face on a decoded image. Rejects with InferenceError on machinery failures. */
  detect(
    image: RawImage,
    signal?: AbortSignal,
    options: DetectOptions = {},
    hooks: JobHooks = {},
  ): Promise<DetectedFace[]> {
    if (this.closing)
      return Promise.reject(new InferenceError('closed', 'the recognizer is shutting down'));
    if (signal?.aborted)
      return Promise.reject(new InferenceError('cancelled', 'the call was cancelled'));
    return new Promise<DetectedFace[]>((resolve, reject) => {
      const job: Job = {
        id: this.nextJobId++,
        exclusive: hooks.exclusive ?? false,
        onStarted: hooks.onStarted,
        abandoned: false,
        image,
        options,
        resolve,
        reject,
        signal,
        onAbort: undefined,
      };
      if (signal) {
        // A waiting job is dropped. One already on a worker is abandoned: the caller is
        // answered at once and the worker's answer thrown away (wasm inference cannot be
        // interrupted, and replacing the worker would cost a model load); the job timeout
        // still replaces a worker that hangs on it.
        job.onAbort = () => {
          const position = this.queue.indexOf(job);
          if (position >= 0) {
            this.queue.splice(position, 1);
            reject(new InferenceError('cancelled', 'the call was cancelled'));
            this.dispatch();
          } else if (this.slots.some((slot) => slot.job === job)) {
            job.abandoned = true;
            this.counters.abandoned += 1;
            reject(new InferenceError('cancelled', 'the call was cancelled during inference'));
          }
        };
        signal.addEventListener('abort', job.onAbort, { once: true });
      }
      this.queue.push(job);
      this.dispatch();
    });
  }

  /** Fails queued jobs, terminates every worker (in-flight jobs fail as `closed`). */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.rejectReady(new InferenceError('closed', 'the pool was closed before it was ready'));
    for (const job of this.queue.splice(0))
      this.settle(job, new InferenceError('closed', 'the recognizer is shutting down'));
    await Promise.all(
      this.slots.map(async (slot) => {
        clearTimeout(slot.restartTimer);
        const { worker, job } = slot;
        slot.worker = undefined;
        slot.job = undefined;
        slot.state = 'down';
        if (job)
          this.settle(
            job,
            new InferenceError('closed', 'the recognizer shut down while this image was processed'),
          );
        if (worker) await worker.terminate();
      }),
    );
  }

  private spawn(slot: Slot): void {
    slot.restartTimer = undefined;
    if (this.closing) return;
    slot.state = 'starting';
    slot.lastError = undefined;
    const worker = spawnWorker(this.workerUrl, {
      workerData: this.init,
      name: `inference-${slot.index}`,
    });
    slot.worker = worker;
    slot.tensors = undefined;
    slot.tensorsReference = undefined;
    worker.on('message', (message: FromWorker) => this.onMessage(slot, worker, message));
    worker.on('error', (error) => {
      if (slot.worker === worker) slot.lastError = error;
    });
    worker.on('exit', (code) => this.onExit(slot, worker, code));
  }

  private onMessage(slot: Slot, worker: Worker, message: FromWorker): void {
    if (slot.worker !== worker) return;
    switch (message.type) {
      case 'ready': {
        slot.state = 'idle';
        slot.crashes = 0;
        for (const note of message.notes) this.options.logger.warn({ worker: slot.index }, note);
        this.options.logger.info(
          {
            worker: slot.index,
            backend: message.backend,
            loadMs: message.loadMs,
            warmupMs: message.warmupMs,
          },
          'inference worker ready',
        );
        if (this.initialPending > 0) {
          const previous = this.info;
          this.info = {
            backend: message.backend,
            loadMs: Math.max(previous?.loadMs ?? 0, message.loadMs),
            warmupMs: Math.max(previous?.warmupMs ?? 0, message.warmupMs),
          };
          this.initialPending -= 1;
          if (this.initialPending === 0) this.resolveReady(this.info);
        }
        this.dispatch();
        return;
      }
      case 'result':
      case 'error': {
        const job = slot.job;
        if (!job || job.id !== message.id) return;
        slot.job = undefined;
        slot.state = 'idle';
        if (message.type === 'result') {
          this.counters.completed += 1;
          this.noteTensors(slot, message.tensors);
          this.settle(job, undefined, message.faces);
        } else {
          this.counters.failed += 1;
          this.settle(job, new InferenceError('failed', `inference failed: ${message.message}`));
        }
        this.dispatch();
        return;
      }
      case 'fatal':
        slot.lastError = new Error(message.message);
        return;
    }
  }

  /** Warns when a worker's live tensor count grows past the count after its first job. */
  private noteTensors(slot: Slot, tensors: number | undefined): void {
    if (typeof tensors !== 'number') return;
    slot.tensors = tensors;
    if (slot.tensorsReference === undefined) {
      slot.tensorsReference = tensors;
      return;
    }
    if (tensors > slot.tensorsReference) {
      this.options.logger.warn(
        { worker: slot.index, tensors, reference: slot.tensorsReference },
        'tfjs tensors are accumulating in an inference worker (a leak)',
      );
      slot.tensorsReference = tensors;
    }
  }

  private onExit(slot: Slot, worker: Worker, code: number): void {
    if (slot.worker !== worker) return;
    slot.worker = undefined;
    const wasStarting = slot.state === 'starting';
    slot.state = 'down';
    const reason = slot.lastError?.message ?? `exit code ${code}`;
    const job = slot.job;
    slot.job = undefined;
    if (job) {
      this.counters.failed += 1;
      this.settle(
        job,
        new InferenceError(
          'crashed',
          'the inference worker crashed while processing this image; retry',
        ),
      );
    }
    if (this.closing) return;
    if (wasStarting && this.initialPending > 0) {
      // A worker that cannot even start the first time means a broken install or model set.
      this.options.logger.error({ worker: slot.index, reason }, 'inference worker failed to start');
      this.rejectReady(new Error(`inference worker ${slot.index} failed to start: ${reason}`));
      void this.close();
      return;
    }
    const delay = Math.min(
      this.options.maxRestartDelayMs ?? 30_000,
      (this.options.restartDelayMs ?? 250) * 2 ** slot.crashes,
    );
    slot.crashes += 1;
    this.counters.restarts += 1;
    this.options.logger.error(
      { worker: slot.index, reason, restartInMs: delay, lostJob: Boolean(job) },
      'inference worker exited; restarting',
    );
    slot.restartTimer = setTimeout(() => this.spawn(slot), delay);
    // An exclusive job may have been waiting for this one to end.
    this.dispatch();
  }

  private dispatch(): void {
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      // An exclusive job runs alone, and waits (holding the queue, so it is not starved)
      // until every worker is done.
      if (this.slots.some((other) => other.job?.exclusive)) return;
      if (this.queue[0]!.exclusive && this.slots.some((other) => other.job)) return;
      if (slot.state !== 'idle' || !slot.worker) continue;
      // The abort listener stays: a job on a worker can be abandoned too (settle removes it).
      const job = this.queue.shift()!;
      slot.state = 'busy';
      slot.job = job;
      this.counters.started += 1;
      const worker = slot.worker;
      job.timer = setTimeout(() => {
        if (slot.job !== job) return;
        slot.job = undefined;
        this.counters.failed += 1;
        this.settle(
          job,
          new InferenceError(
            'timeout',
            `inference took longer than ${this.options.jobTimeoutMs} ms; retry`,
          ),
        );
        slot.lastError = new Error('job timeout');
        // The exit handler restarts it; wasm inference cannot be interrupted any other way.
        void worker.terminate();
      }, this.options.jobTimeoutMs);
      const message: ToWorker = {
        type: 'detect',
        id: job.id,
        image: job.image,
        options: job.options,
      };
      worker.postMessage(message);
      job.onStarted?.();
      if (job.exclusive) return;
    }
  }

  private settle(job: Job, error: Error | undefined, faces?: DetectedFace[]): void {
    clearTimeout(job.timer);
    if (job.signal && job.onAbort) job.signal.removeEventListener('abort', job.onAbort);
    if (error) job.reject(error);
    else job.resolve(faces ?? []);
  }
}

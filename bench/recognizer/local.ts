/**
 * The recognizer's own inference path in the benchmark process (decode with sharp on this
 * thread, detection in the recognizer's worker pool) without gRPC and the database: what the
 * accuracy benchmark needs, since it compares descriptors offline.
 */
import os from 'node:os';
import { loadRecognizerConfig, type RecognizerConfig } from '../../recognizer/config.js';
import { FaceAnalyzer, type Analysis } from '../../recognizer/face-analyzer.js';
import { InferencePool } from '../../recognizer/inference-pool.js';
import { createLogger } from '../../lib/logger.js';

export type InferenceSettings = Pick<
  RecognizerConfig,
  | 'detector'
  | 'minDetectionScore'
  | 'tinyInputSize'
  | 'ssdInputSize'
  | 'mirrorAverage'
  | 'inferenceMaxSide'
  | 'smallPhotoSide'
  | 'smallPhotoPadding'
  | 'inferenceWorkers'
  | 'maxImagePixels'
  | 'inferenceBackend'
> & {
  /** SSD input square for enlarged small photos (the analyzer's default: 512). */
  smallPhotoSsdInputSize?: number;
};

/**
 * The variables `loadRecognizerConfig` requires, with placeholders: the benchmark's in-process
 * pipeline opens no database and serves no call, so neither is used.
 */
export const BENCH_ENV = {
  DATABASE_URL: 'mysql://bench@127.0.0.1/bench',
  IMAGES_ROOT: '.',
  RECOGNIZER_SECRET: 'bench-in-process-only-0123456789',
};

/** The recognizer's defaults, as `loadRecognizerConfig` gives them with no other variables set. */
export function defaultSettings(): InferenceSettings {
  return loadRecognizerConfig(BENCH_ENV, { cores: os.availableParallelism() });
}

/** FaceAnalyzer's decode options from the recognizer's settings, as the recognizer sets them. */
export function analyzerOptions(settings: InferenceSettings, concurrency: number) {
  return {
    maxPixels: settings.maxImagePixels,
    maxSide: settings.inferenceMaxSide,
    smallPhotoSide: settings.smallPhotoSide,
    smallPhotoPadding: settings.smallPhotoPadding,
    mirrorAverage: settings.mirrorAverage,
    ssdInputSize: settings.ssdInputSize,
    concurrency,
    queueLimit: 100_000,
  };
}

export class LocalRecognizer {
  private constructor(
    readonly settings: InferenceSettings,
    readonly backend: string,
    private readonly pool: InferencePool,
    private readonly analyzer: FaceAnalyzer,
  ) {}

  static async start(settings: InferenceSettings): Promise<LocalRecognizer> {
    const pool = new InferencePool({
      size: settings.inferenceWorkers,
      backend: settings.inferenceBackend,
      detector: settings.detector,
      minDetectionScore: settings.minDetectionScore,
      tinyInputSize: settings.tinyInputSize,
      ssdInputSize: settings.ssdInputSize,
      jobTimeoutMs: 600_000,
      logger: createLogger('bench', 'warn'),
    });
    const info = await pool.ready;
    const analyzer = new FaceAnalyzer(pool, {
      ...analyzerOptions(settings, settings.inferenceWorkers * 2),
      smallPhotoSsdInputSize: settings.smallPhotoSsdInputSize,
    });
    return new LocalRecognizer(settings, info.backend, pool, analyzer);
  }

  analyze(bytes: Uint8Array): Promise<Analysis> {
    return this.analyzer.analyze(bytes);
  }

  /** Same pool, other decode settings (e.g. another INFERENCE_MAX_SIDE). */
  withDecode(
    options: Partial<
      Pick<InferenceSettings, 'inferenceMaxSide' | 'smallPhotoSide' | 'smallPhotoPadding'>
    >,
  ): (bytes: Uint8Array) => Promise<Analysis> {
    const settings = { ...this.settings, ...options };
    const analyzer = new FaceAnalyzer(
      this.pool,
      analyzerOptions(settings, settings.inferenceWorkers * 2),
    );
    return (bytes) => analyzer.analyze(bytes);
  }

  stats() {
    return this.pool.stats();
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

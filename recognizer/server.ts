import { stat } from 'node:fs/promises';
import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { connectDatabase, type Db } from '../lib/db/connect.js';
import { PeopleRepository } from '../lib/db/people-repo.js';
import { PrivacyRepository } from '../lib/db/privacy-repo.js';
import type { Logger } from '../lib/logger.js';
import { RECOGNIZER_SERVICE, recognizerServiceDefinition } from '../lib/recognizer/protocol.js';
import { requireCallSecret } from './call-auth.js';
import type { RecognizerConfig } from './config.js';
import { enrollFolder, NO_FOLDER_ENROLLMENT } from './enroll-folder.js';
import { descriptorVersion } from './descriptor-version.js';
import { Enroller } from './enroller.js';
import { FaceAnalyzer } from './face-analyzer.js';
import { GalleryStore } from './gallery-store.js';
import { readImageFile } from './image-source.js';
import { InferencePool, type JobHooks } from './inference-pool.js';
import { MatchPolicy } from './match-policy.js';
import { createRecognizerService, describeDetector, type ServiceState } from './service.js';

/** Health service names kept in step: "" (the whole server, what Kubernetes probes) and the Recognizer. */
export const HEALTH_SERVICES = ['', RECOGNIZER_SERVICE] as const;

function listenAddress(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * The recognizer process: gRPC server (Recognizer + grpc.health.v1.Health), inference pool,
 * gallery kept in sync with the database, and the known-people folder enrolled at start.
 *
 * The port is bound first so that health checks answer NOT_SERVING during the warm-up;
 * it turns SERVING only once every worker has loaded and warmed its models, the gallery is
 * loaded and KNOWN_PEOPLE_DIR is enrolled. stop() reverses it: NOT_SERVING, let in-flight
 * calls finish (up to SHUTDOWN_GRACE_MS), then stop the workers and the database pool.
 */
export class RecognizerServer {
  private readonly state: ServiceState = {
    ready: false,
    backend: 'starting',
    folderEnrollment: { ...NO_FOLDER_ENROLLMENT },
  };
  private readonly health = new HealthImplementation(
    Object.fromEntries(HEALTH_SERVICES.map((name) => [name, 'NOT_SERVING'])),
  );
  private server: grpc.Server | undefined;
  private db: Db | undefined;
  private pool: InferencePool | undefined;
  private gallery: GalleryStore | undefined;
  private stopping: Promise<void> | undefined;
  private boundPort = 0;

  constructor(
    private readonly config: RecognizerConfig,
    private readonly logger: Logger,
  ) {}

  /** The bound port (useful with RECOGNIZER_PORT=0). */
  get port(): number {
    return this.boundPort;
  }

  get ready(): boolean {
    return this.state.ready;
  }

  async start(): Promise<void> {
    const started = performance.now();
    const { config, logger } = this;
    const root = await stat(config.imagesRoot).catch(() => undefined);
    if (!root?.isDirectory())
      throw new Error(`IMAGES_ROOT ${config.imagesRoot} is not a directory`);

    this.db = connectDatabase({ url: config.databaseUrl, poolSize: 4 });
    const people = new PeopleRepository(this.db);
    const privacy = new PrivacyRepository(this.db);
    const gallery = new GalleryStore(people, {
      refreshMs: config.galleryRefreshMs,
      strategy: config.matchStrategy,
      logger,
    });
    this.gallery = gallery;
    const pool = new InferencePool({
      size: config.inferenceWorkers,
      backend: config.inferenceBackend,
      detector: config.detector,
      minDetectionScore: config.minDetectionScore,
      tinyInputSize: config.tinyInputSize,
      ssdInputSize: config.ssdInputSize,
      jobTimeoutMs: config.inferenceTimeoutMs,
      logger,
    });
    this.pool = pool;
    const analyzer = new FaceAnalyzer(pool, {
      maxPixels: config.maxImagePixels,
      maxSide: config.inferenceMaxSide,
      smallPhotoSide: config.smallPhotoSide,
      smallPhotoPadding: config.smallPhotoPadding,
      mirrorAverage: config.mirrorAverage,
      ssdInputSize: config.ssdInputSize,
      concurrency: config.inferenceWorkers * 2,
      queueLimit: config.inferenceQueueLimit,
    });
    const analyze = (bytes: Uint8Array, signal?: AbortSignal, hooks?: JobHooks) =>
      analyzer.analyze(bytes, signal, hooks);
    const policy = new MatchPolicy(config);
    const enroller = new Enroller({
      people,
      analyze,
      onEnrolled: () => gallery.reload(),
      logger,
      quality: {
        minFaceSize: config.enrollMinFaceSize,
        minSharpness: config.enrollMinSharpness,
        maxYaw: config.enrollMaxYaw,
      },
    });

    const server = new grpc.Server({
      // Images by bytes: room for MAX_IMAGE_BYTES plus the envelope.
      'grpc.max_receive_message_length': config.maxImageBytes + 64 * 1024,
    });
    server.addService(
      recognizerServiceDefinition(),
      requireCallSecret(
        createRecognizerService({
          state: this.state,
          imagesRoot: config.imagesRoot,
          maxImageBytes: config.maxImageBytes,
          policy,
          descriptorVersion: descriptorVersion(config),
          minDetectionScore: config.minDetectionScore,
          detector: describeDetector(config),
          workers: config.inferenceWorkers,
          analyze,
          faultCrashPath: config.faultCrashPath,
          inferences: () => analyzer.count,
          gallery: () => gallery.gallery,
          reloadGallery: () => gallery.reload(),
          enroller,
          logger,
        }),
        config.secret,
      ),
    );
    this.health.addToServer(server);
    this.server = server;
    this.boundPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync(
        listenAddress(config.host, config.port),
        grpc.ServerCredentials.createInsecure(),
        (error, port) => (error ? reject(error) : resolve(port)),
      ),
    );
    logger.info({ host: config.host, port: this.boundPort }, 'listening (NOT_SERVING until warm)');

    const [info] = await Promise.all([pool.ready, gallery.reload()]);
    this.state.backend = info.backend;
    logger.info(
      {
        backend: info.backend,
        workers: config.inferenceWorkers,
        detector: config.detector,
        minDetectionScore: config.minDetectionScore,
        inferenceMaxSide: config.inferenceMaxSide,
        loadMs: info.loadMs,
        warmupMs: info.warmupMs,
      },
      'inference pool warm',
    );
    if (config.knownPeopleDir && !this.stopping) {
      this.state.folderEnrollment = await enrollFolder(config.knownPeopleDir, {
        findOrCreatePerson: (name) => people.findOrCreate(name),
        isForgotten: (name) => privacy.isForgotten(name),
        readPhoto: (file) => readImageFile(file, config.maxImageBytes),
        enroll: (input) => enroller.enroll(input),
        logger,
        concurrency: config.inferenceWorkers,
      });
    }
    if (this.stopping) return;
    gallery.start();
    this.state.ready = true;
    for (const name of HEALTH_SERVICES) this.health.setStatus(name, 'SERVING');
    logger.info(
      {
        port: this.boundPort,
        startupMs: Math.round(performance.now() - started),
        gallery: { descriptors: gallery.gallery.size, people: gallery.gallery.people },
        matchVersion: policy.version,
        descriptorVersion: descriptorVersion(config),
        backend: info.backend,
        detector: describeDetector(config),
      },
      'SERVING',
    );
  }

  /** Graceful stop; safe to call more than once and during start(). */
  stop(): Promise<void> {
    this.stopping ??= this.shutdown();
    return this.stopping;
  }

  private async shutdown(): Promise<void> {
    this.state.ready = false;
    this.state.stopping = true;
    for (const name of HEALTH_SERVICES) this.health.setStatus(name, 'NOT_SERVING');
    this.gallery?.stop();
    const server = this.server;
    if (server) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.logger.warn(
            { graceMs: this.config.shutdownGraceMs },
            'calls still running after the grace period; cutting them off',
          );
          server.forceShutdown();
          resolve();
        }, this.config.shutdownGraceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await this.pool?.close();
    await this.db?.destroy();
  }
}

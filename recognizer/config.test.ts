import { ConfigError } from '../lib/config/env.js';
import { DEFAULT_MATCH_THRESHOLD, loadRecognizerConfig } from './config.js';

const base = {
  DATABASE_URL: 'mysql://root@127.0.0.1:3306/facetrail',
  IMAGES_ROOT: '/srv/images',
  RECOGNIZER_SECRET: 'recognizer-secret-0123456789',
};
const load = (env: Record<string, string | undefined>) =>
  loadRecognizerConfig(env, { cores: 3, cwd: '/repo' });

describe('loadRecognizerConfig', () => {
  it('applies the defaults', () => {
    expect(load(base)).toEqual({
      databaseUrl: 'mysql://root@127.0.0.1:3306/facetrail',
      imagesRoot: '/srv/images',
      knownPeopleDir: undefined,
      host: '0.0.0.0',
      port: 50051,
      matchThreshold: DEFAULT_MATCH_THRESHOLD,
      matchThresholdLarge: 0.6,
      smallFaceSize: 80,
      largeFaceSize: 112,
      minFaceSize: 20,
      minFaceSharpness: 0.15,
      enrollMinFaceSize: 40,
      enrollMinSharpness: 0.25,
      enrollMaxYaw: 45,
      ssdInputSize: 448,
      matchStrategy: 'mean',
      mirrorAverage: 'small',
      detector: 'ssd',
      minDetectionScore: 0.5,
      tinyInputSize: 416,
      smallPhotoSide: 300,
      smallPhotoPadding: 0.5,
      inferenceWorkers: 3,
      inferenceBackend: 'auto',
      maxImagePixels: 40_000_000,
      maxImageBytes: 32 * 1024 * 1024,
      inferenceMaxSide: 1024,
      inferenceTimeoutMs: 20_000,
      faultCrashPath: undefined,
      inferenceQueueLimit: 256,
      galleryRefreshMs: 5000,
      shutdownGraceMs: 10_000,
      secret: 'recognizer-secret-0123456789',
      logLevel: 'info',
    });
  });

  it('reads the match rule and the quality limits, and refuses a large-face size below the small one', () => {
    expect(
      load({
        ...base,
        MATCH_THRESHOLD_LARGE: '0.6',
        SMALL_FACE_SIZE: '64',
        LARGE_FACE_SIZE: '128',
        MIN_FACE_SIZE: '24',
        MIN_FACE_SHARPNESS: '0.2',
        ENROLL_MIN_FACE_SIZE: '60',
        ENROLL_MIN_SHARPNESS: '0.3',
        ENROLL_MAX_YAW: '30',
        SSD_INPUT_SIZE: '512',
      }),
    ).toMatchObject({
      matchThresholdLarge: 0.6,
      smallFaceSize: 64,
      largeFaceSize: 128,
      minFaceSize: 24,
      minFaceSharpness: 0.2,
      enrollMinFaceSize: 60,
      enrollMinSharpness: 0.3,
      enrollMaxYaw: 30,
      ssdInputSize: 512,
    });
    expect(() => load({ ...base, SMALL_FACE_SIZE: '120', LARGE_FACE_SIZE: '100' })).toThrow(
      /LARGE_FACE_SIZE/,
    );
    expect(() => load({ ...base, SSD_INPUT_SIZE: '500' })).toThrow(/SSD_INPUT_SIZE/);
  });

  it('refuses to start without the shared secret, or with a short one', () => {
    expect(() => load({ ...base, RECOGNIZER_SECRET: undefined })).toThrow(
      /RECOGNIZER_SECRET: set the shared secret/,
    );
    expect(() => load({ ...base, RECOGNIZER_SECRET: 'short' })).toThrow(
      /RECOGNIZER_SECRET: use at least 16 characters/,
    );
  });

  it('parses every variable and resolves relative folders against the working directory', () => {
    const config = load({
      ...base,
      IMAGES_ROOT: '../camera-photos',
      KNOWN_PEOPLE_DIR: 'data/known_people',
      RECOGNIZER_HOST: '127.0.0.1',
      RECOGNIZER_PORT: '6000',
      MATCH_THRESHOLD: '0.55',
      MIN_DETECTION_SCORE: '0.7',
      INFERENCE_WORKERS: '1',
      INFERENCE_BACKEND: 'wasm',
      MAX_IMAGE_PIXELS: '1000000',
      GALLERY_REFRESH_MS: '0',
      LOG_LEVEL: 'debug',
    });
    expect(config).toMatchObject({
      imagesRoot: '/camera-photos',
      knownPeopleDir: '/repo/data/known_people',
      host: '127.0.0.1',
      port: 6000,
      matchThreshold: 0.55,
      minDetectionScore: 0.7,
      inferenceWorkers: 1,
      inferenceBackend: 'wasm',
      maxImagePixels: 1_000_000,
      galleryRefreshMs: 0,
      logLevel: 'debug',
    });
  });

  it('parses the detector and matching settings', () => {
    expect(
      load({
        ...base,
        DETECTOR: 'tiny',
        TINY_INPUT_SIZE: '320',
        MATCH_STRATEGY: 'nearest',
        MIRROR_AVERAGE: 'false',
        SMALL_PHOTO_SIDE: '0',
        SMALL_PHOTO_PADDING: '0.25',
        INFERENCE_MAX_SIDE: '2048',
      }),
    ).toMatchObject({
      detector: 'tiny',
      tinyInputSize: 320,
      matchStrategy: 'nearest',
      mirrorAverage: 'never',
      smallPhotoSide: 0,
      smallPhotoPadding: 0.25,
      inferenceMaxSide: 2048,
    });
    expect(load({ ...base, MIRROR_AVERAGE: 'true' }).mirrorAverage).toBe('always');
    expect(load({ ...base, MIRROR_AVERAGE: 'always' }).mirrorAverage).toBe('always');
    expect(() => load({ ...base, MIRROR_AVERAGE: 'sometimes' })).toThrow(
      /MIRROR_AVERAGE: expected small, always or never/,
    );
    expect(() => load({ ...base, DETECTOR: 'mtcnn' })).toThrow(/DETECTOR: expected ssd or tiny/);
    expect(() => load({ ...base, TINY_INPUT_SIZE: '300' })).toThrow(
      /TINY_INPUT_SIZE: expected a multiple of 32/,
    );
    expect(() => load({ ...base, MATCH_STRATEGY: 'median' })).toThrow(
      /MATCH_STRATEGY: expected mean or nearest/,
    );
    expect(() => load({ ...base, MIN_DETECTION_SCORE: '1' })).toThrow(/MIN_DETECTION_SCORE/);
  });

  it('takes PORT when RECOGNIZER_PORT is unset, RECOGNIZER_PORT when both are', () => {
    expect(load({ ...base, PORT: '8080' }).port).toBe(8080);
    expect(load({ ...base, PORT: '8080', RECOGNIZER_PORT: '50052' }).port).toBe(50052);
    expect(load({ ...base, RECOGNIZER_PORT: '' }).port).toBe(50051);
  });

  it('names every missing or bad variable in one ConfigError', () => {
    let error: unknown;
    try {
      load({
        DATABASE_URL: 'postgres://db/x',
        MATCH_THRESHOLD: '2.5',
        INFERENCE_WORKERS: '0',
        INFERENCE_BACKEND: 'gpu',
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/DATABASE_URL: expected mysql:\/\//);
    expect(message).toMatch(/MATCH_THRESHOLD: .*2\.5/);
    expect(message).toMatch(/INFERENCE_WORKERS: /);
    expect(message).toMatch(/INFERENCE_BACKEND: expected auto, wasm or tensorflow/);
  });

  it('defaults to SQLite and images in DATA_DIR (standalone mode)', () => {
    const config = load({
      DATA_DIR: '/var/lib/facetrail',
      RECOGNIZER_SECRET: base.RECOGNIZER_SECRET,
    });
    expect(config.databaseUrl).toBe('sqlite:///var/lib/facetrail/facetrail.db');
    expect(config.imagesRoot).toBe('/var/lib/facetrail/images');
  });
});

describe('the test-only fault switch', () => {
  it('is off unless FACETRAIL_FAULT_CRASH_PATH is set and not empty', () => {
    expect(load({ ...base, FACETRAIL_FAULT_CRASH_PATH: '' }).faultCrashPath).toBeUndefined();
    expect(load({ ...base, FACETRAIL_FAULT_CRASH_PATH: 'crash-me' }).faultCrashPath).toBe(
      'crash-me',
    );
  });
});

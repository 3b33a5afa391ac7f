import { loadProcessorConfig } from './config.js';

const base = {
  DATABASE_URL: 'mysql://root@127.0.0.1:3306/facetrail',
  RECOGNIZER_SECRET: 'recognizer-secret-0123456789',
};

describe('loadProcessorConfig: deadlines that line up (issue 9, finding 8)', () => {
  it('by default waits for the recognizer longer than its job timeout, and less than the lease', () => {
    const config = loadProcessorConfig(base);
    expect(config.recognizerTimeoutMs).toBeGreaterThan(config.inferenceTimeoutMs);
    expect(config.leaseMs).toBeGreaterThan(config.recognizerTimeoutMs);
    expect(config).toMatchObject({ maxImageAttempts: 10, maxImageCrashes: 2 });
  });

  it.each([
    ['equal', { RECOGNIZER_TIMEOUT_MS: '20000', INFERENCE_TIMEOUT_MS: '20000' }],
    [
      'the old 30 s deadline against a 60 s job',
      { RECOGNIZER_TIMEOUT_MS: '30000', INFERENCE_TIMEOUT_MS: '60000' },
    ],
  ])('refuses a gRPC deadline not above the job timeout (%s)', (_name, env) => {
    expect(() => loadProcessorConfig({ ...base, ...env })).toThrow(
      /RECOGNIZER_TIMEOUT_MS: \d+ must be longer than the recognizer's INFERENCE_TIMEOUT_MS/,
    );
  });

  it('accepts a deadline above the job timeout', () => {
    expect(
      loadProcessorConfig({
        ...base,
        RECOGNIZER_TIMEOUT_MS: '70000',
        INFERENCE_TIMEOUT_MS: '60000',
        LEASE_MS: '180000',
      }),
    ).toMatchObject({ recognizerTimeoutMs: 70_000, inferenceTimeoutMs: 60_000 });
  });

  it('reads MAX_IMAGE_CRASHES', () => {
    expect(loadProcessorConfig({ ...base, MAX_IMAGE_CRASHES: '1' }).maxImageCrashes).toBe(1);
  });
});

import { ConfigError } from '../../lib/config/env.js';
import { loadAdapterConfig } from './config.js';

const base = {
  K_SINK: 'http://processor.default.svc.cluster.local',
  NSQLOOKUPD_HTTP_ADDRESSES: 'nsqlookupd:4161',
};

function configError(env: Record<string, string | undefined>): string {
  try {
    loadAdapterConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error('expected a ConfigError');
}

describe('loadAdapterConfig', () => {
  it('applies the defaults', () => {
    const config = loadAdapterConfig(base);
    expect(config).toEqual({
      sink: 'http://processor.default.svc.cluster.local',
      extensions: {},
      nsq: {
        lookupdHttpAddresses: ['nsqlookupd:4161'],
        nsqdTcpAddresses: [],
        topic: 'images',
        channel: 'processor',
        deadLetterTopic: 'images.dead',
        deadLetterNsqd: { kind: 'lookupd', lookupdHttpAddresses: ['nsqlookupd:4161'] },
        msgTimeoutMs: undefined,
        lookupdPollIntervalSeconds: 15,
        maxInFlight: 4,
      },
      delivery: { maxAttempts: 10, timeoutMs: 60_000, backoffBaseMs: 1000, backoffMaxMs: 300_000 },
      probe: {
        url: 'http://processor.default.svc.cluster.local/readyz',
        baseMs: 1000,
        maxMs: 30_000,
      },
      shutdownTimeoutMs: 25_000,
      healthPort: 8080,
      logLevel: 'info',
    });
  });

  it('reads every variable', () => {
    const config = loadAdapterConfig({
      K_SINK: 'https://sink.example/events',
      K_CE_OVERRIDES: '{"extensions":{"cluster":"east","tier":"gold"}}',
      NSQD_TCP_ADDRESSES: 'nsqd-0:4150, nsqd-1:4150',
      NSQD_TCP_ADDRESS: 'nsqd-dl:4150',
      NSQ_TOPIC: 'photos',
      NSQ_CHANNEL: 'recog',
      NSQ_DEAD_LETTER_TOPIC: 'photos.failed',
      NSQ_MSG_TIMEOUT_MS: '5000',
      NSQ_LOOKUPD_POLL_INTERVAL_SECONDS: '2',
      MAX_ATTEMPTS: '3',
      MAX_IN_FLIGHT: '16',
      DELIVERY_TIMEOUT_MS: '1500',
      BACKOFF_BASE_MS: '10',
      BACKOFF_MAX_MS: '100',
      SHUTDOWN_TIMEOUT_MS: '5000',
      PORT: '9000',
      HEALTH_PORT: '9100',
      LOG_LEVEL: 'debug',
    });
    expect(config.extensions).toEqual({ cluster: 'east', tier: 'gold' });
    expect(config.nsq).toMatchObject({
      lookupdHttpAddresses: [],
      nsqdTcpAddresses: ['nsqd-0:4150', 'nsqd-1:4150'],
      topic: 'photos',
      channel: 'recog',
      deadLetterTopic: 'photos.failed',
      deadLetterNsqd: { kind: 'static', addresses: ['nsqd-dl:4150'] },
      msgTimeoutMs: 5000,
      lookupdPollIntervalSeconds: 2,
      maxInFlight: 16,
    });
    expect(config.delivery).toEqual({
      maxAttempts: 3,
      timeoutMs: 1500,
      backoffBaseMs: 10,
      backoffMaxMs: 100,
    });
    expect(config.healthPort).toBe(9100);
    expect(config.logLevel).toBe('debug');
  });

  it('derives the dead-letter topic from the topic', () => {
    expect(loadAdapterConfig({ ...base, NSQ_TOPIC: 'photos' }).nsq.deadLetterTopic).toBe(
      'photos.dead',
    );
  });

  it('publishes dead letters to the direct nsqd addresses when no NSQD_TCP_ADDRESS is set', () => {
    const config = loadAdapterConfig({
      K_SINK: 'http://sink',
      NSQD_TCP_ADDRESSES: 'a:4150,b:4150',
    });
    expect(config.nsq.deadLetterNsqd).toEqual({ kind: 'static', addresses: ['a:4150', 'b:4150'] });
  });

  it('serves health on PORT when HEALTH_PORT is unset', () => {
    expect(loadAdapterConfig({ ...base, PORT: '8181' }).healthPort).toBe(8181);
  });

  it.each([
    [{ K_SINK: undefined }, /K_SINK: .*URL/],
    [{ K_SINK: 'ftp://x' }, /K_SINK: expected an http\(s\) URL/],
    [{ K_CE_OVERRIDES: '{extensions:' }, /K_CE_OVERRIDES: expected JSON/],
    [{ K_CE_OVERRIDES: '[1]' }, /K_CE_OVERRIDES: expected a JSON object/],
    [
      { K_CE_OVERRIDES: '{"extensions":{"Bad_Name":"x"}}' },
      /K_CE_OVERRIDES: extension name "Bad_Name" must be lower-case/,
    ],
    [
      { K_CE_OVERRIDES: '{"extensions":{"type":"x"}}' },
      /K_CE_OVERRIDES: extension name "type" is a CloudEvents context attribute/,
    ],
    [
      { K_CE_OVERRIDES: '{"extensions":{"n":1}}' },
      /K_CE_OVERRIDES: extension values must be strings/,
    ],
    [{ NSQLOOKUPD_HTTP_ADDRESSES: 'lookupd' }, /NSQLOOKUPD_HTTP_ADDRESSES: expected host:port/],
    [{ NSQD_TCP_ADDRESS: 'nsqd' }, /NSQD_TCP_ADDRESS: expected host:port/],
    [{ MAX_ATTEMPTS: '0' }, /MAX_ATTEMPTS: /],
    [{ MAX_IN_FLIGHT: 'many' }, /MAX_IN_FLIGHT: /],
    [
      { NSQ_MSG_TIMEOUT_MS: '500' },
      /NSQ_MSG_TIMEOUT_MS: nsqd accepts a msg_timeout of 1000 ms or more/,
    ],
    [{ BACKOFF_MAX_MS: '7200000' }, /BACKOFF_MAX_MS: nsqd caps requeue delays at 1 h/],
    [
      { BACKOFF_BASE_MS: '5000', BACKOFF_MAX_MS: '1000' },
      /BACKOFF_BASE_MS: must not exceed BACKOFF_MAX_MS/,
    ],
    [{ NSQ_TOPIC: 'bad topic' }, /NSQ_TOPIC: expected an NSQ topic name/],
    [{ NSQ_DEAD_LETTER_TOPIC: 'images' }, /NSQ_DEAD_LETTER_TOPIC: must differ from NSQ_TOPIC/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL: /],
  ])('rejects %j naming the variable', (override, pattern) => {
    expect(configError({ ...base, ...override })).toMatch(pattern);
  });

  it('requires a way to find nsqd and names both variables', () => {
    expect(configError({ K_SINK: 'http://sink' })).toMatch(
      /NSQLOOKUPD_HTTP_ADDRESSES or NSQD_TCP_ADDRESSES: one of the two is required/,
    );
  });

  it('accepts Knative overrides without extensions', () => {
    expect(loadAdapterConfig({ ...base, K_CE_OVERRIDES: '{}' }).extensions).toEqual({});
  });
});

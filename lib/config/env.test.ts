import {
  parseEnv,
  port,
  hostPortList,
  databaseUrl,
  booleanFlag,
  ConfigError,
  knativePort,
} from './env.js';

describe('parseEnv', () => {
  const shape = {
    PORT: port(8080),
    LOOKUPDS: hostPortList.optional(),
    DATABASE_URL: databaseUrl,
    DEBUG: booleanFlag(false),
  };

  it('applies defaults for unset and empty variables', () => {
    expect(parseEnv(shape, { PORT: '', DEBUG: undefined })).toEqual({ PORT: 8080, DEBUG: false });
  });

  it('parses typed values', () => {
    expect(
      parseEnv(shape, {
        PORT: '81',
        LOOKUPDS: 'a:4161, b:4161',
        DATABASE_URL: 'mysql://u:p@h:3306/db',
        DEBUG: 'true',
      }),
    ).toEqual({
      PORT: 81,
      LOOKUPDS: ['a:4161', 'b:4161'],
      DATABASE_URL: 'mysql://u:p@h:3306/db',
      DEBUG: true,
    });
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      parseEnv(shape, { PORT: '99999', LOOKUPDS: 'nohostport', DATABASE_URL: 'postgres://x/y' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    expect(message).toMatch(/PORT: .*99999/);
    expect(message).toMatch(/LOOKUPDS: expected host:port/);
    expect(message).toMatch(/DATABASE_URL: expected mysql:\/\//);
  });
});

describe('knativePort', () => {
  it('stays undefined when PORT is unset, so the local port variable applies', () => {
    expect(parseEnv({ PORT: knativePort, LOCAL_PORT: port(8081) }, {})).toEqual({
      LOCAL_PORT: 8081,
    });
    expect(parseEnv({ PORT: knativePort }, { PORT: '9000' })).toEqual({ PORT: 9000 });
  });
});

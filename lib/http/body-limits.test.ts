import type { IncomingMessage } from 'node:http';
import { bodyParserError, declaresBody, unsupportedEncoding } from './body-limits.js';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('body limits', () => {
  it('decodes identity, gzip, deflate and br only', () => {
    for (const encoding of ['identity', 'gzip', 'GZIP', 'deflate', 'br', ' br '])
      expect(unsupportedEncoding(request({ 'content-encoding': encoding }))).toBeUndefined();
    expect(unsupportedEncoding(request({}))).toBeUndefined();
    for (const encoding of ['compress', 'zstd', 'x-gzip', 'gzip, br'])
      expect(unsupportedEncoding(request({ 'content-encoding': encoding }))).toBe(encoding);
  });

  it('knows a request with a body from one without', () => {
    expect(declaresBody(request({ 'content-length': '10' }))).toBe(true);
    expect(declaresBody(request({ 'transfer-encoding': 'chunked' }))).toBe(true);
    expect(declaresBody(request({ 'content-length': '0' }))).toBe(false);
    expect(declaresBody(request({}))).toBe(false);
  });

  it("maps body-parser's failures to stable codes", () => {
    const failure = (fields: Record<string, unknown>) =>
      bodyParserError(Object.assign(new Error('x'), fields));
    expect(failure({ type: 'entity.too.large', limit: 1024 })?.code).toBe('PAYLOAD_TOO_LARGE');
    expect(failure({ type: 'entity.parse.failed' })?.code).toBe('INVALID_JSON');
    expect(failure({ type: 'encoding.unsupported' })?.code).toBe('UNSUPPORTED_CONTENT_ENCODING');
    expect(failure({ type: 'charset.unsupported' })?.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(failure({ code: 'Z_DATA_ERROR' })?.code).toBe('INVALID_REQUEST');
    expect(failure({})).toBeUndefined();
  });
});

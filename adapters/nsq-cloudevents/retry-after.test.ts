import { parseRetryAfter } from './retry-after.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-25T10:00:00Z');

  it.each<[string | null | undefined, number | undefined]>([
    [undefined, undefined],
    [null, undefined],
    ['', undefined],
    ['   ', undefined],
    ['0', 0],
    ['1', 1000],
    [' 120 ', 120_000],
    ['1.5', undefined],
    ['-3', undefined],
    ['soon', undefined],
    ['99999999999999999999', undefined],
    // HTTP-date forms (RFC 9110): IMF-fixdate, obsolete RFC 850 and asctime.
    ['Wed, 25 Nov 2026 10:00:30 GMT', 30_000],
    ['Wednesday, 25-Nov-26 10:01:00 GMT', 60_000],
    ['Wed Nov 25 10:00:05 2026', 5_000],
    // A date in the past means "now".
    ['Wed, 25 Nov 2026 09:00:00 GMT', 0],
  ])('parses %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, now)).toBe(expected);
  });
});

/**
 * Parses an HTTP `Retry-After` value (RFC 9110 §10.2.3): either delay-seconds (a non-negative
 * integer) or an HTTP-date. Returns the wait in milliseconds (0 for a date in the past), or
 * undefined when the header is absent or not understood, so that the caller's own backoff applies.
 */
export function parseRetryAfter(
  value: string | null | undefined,
  now: number = Date.now(),
): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^\d+$/.test(text)) {
    const seconds = Number(text);
    return Number.isSafeInteger(seconds) ? seconds * 1000 : undefined;
  }
  // An HTTP-date names its weekday and month in letters (IMF-fixdate, RFC 850, asctime);
  // requiring a letter keeps bare numbers like "1.5" or "-3" from passing as dates.
  if (!/[A-Za-z]/.test(text)) return undefined;
  // HTTP-dates are GMT; asctime() has no zone, and Date.parse would read it as local time.
  const at = Date.parse(/\b(GMT|UTC|UT)$/i.test(text) ? text : `${text} GMT`);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - now);
}

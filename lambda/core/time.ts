/**
 * ISO 8601 UTC timestamps with milliseconds, exactly as `Date.prototype.toISOString` writes them
 * (`YYYY-MM-DDTHH:mm:ss.sssZ`), built from the `getUTC*` parts. The first `toISOString` call in a
 * Node process costs about 0.25 ms (date formatting is set up on first use), which every cold start
 * would otherwise pay for its first audit record; the parts cost microseconds. Differentially tested
 * against `toISOString` (test/edge/fast-paths.test.ts). Years outside 0000–9999 (which
 * `toISOString` writes with six digits and a sign) and invalid dates defer to it.
 */
export function isoTime(ms: number): string {
  const d = new Date(ms);
  const y = d.getUTCFullYear();
  if (!(y >= 0 && y <= 9999)) return d.toISOString(); // throws RangeError for an invalid date, like toISOString
  return `${pad(y, 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(d.getUTCMilliseconds(), 3)}Z`;
}

function pad(n: number, width: number): string {
  const s = String(n);
  return s.length >= width ? s : "000".slice(0, width - s.length) + s;
}

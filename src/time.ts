/**
 * Upstream times → the contract's DateTime (UTC ISO-8601 with milliseconds).
 *
 * Upstreams write times many ways: epoch milliseconds (CodeArts runs), zone-less wall clock
 * (`2023-11-24 17:13:52`, `2023/10/27 15:46:19`, ISO without offset) read in the configured
 * upstream zone, and ISO with an offset or Z, which keeps its own zone.
 */
const WALL_CLOCK = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?$/;
const ZONED = /(Z|[+-]\d{2}:?\d{2})$/i;

/** Parses `+08:00` / `-0530` / `Z` into minutes east of UTC. */
export function offsetMinutes(zone: string): number {
  if (/^z$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) throw new TypeError(`Time zone offset must look like +08:00 or Z, got ${JSON.stringify(zone)}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/**
 * Converts an upstream time to UTC ISO, or null when absent or unreadable. `zone` is used only
 * for times that carry none.
 */
export function toUtcIso(value: unknown, zone: string): string | null {
  if (value === null || value === undefined || value === '') return null;
  if (typeof value === 'number') return fromEpoch(value);
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d{10,16}$/.test(text)) return fromEpoch(Number(text));
  const wall = WALL_CLOCK.exec(text);
  if (wall) {
    const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '0'] = wall;
    const utc =
      Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(frac.padEnd(3, '0').slice(0, 3))) -
      offsetMinutes(zone) * 60_000;
    return Number.isNaN(utc) ? null : new Date(utc).toISOString();
  }
  if (ZONED.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : new Date(ms).toISOString();
  }
  return null;
}

function fromEpoch(n: number): string | null {
  if (!Number.isFinite(n)) return null;
  // 10 digits: seconds; more: milliseconds.
  const ms = Math.abs(n) < 1e11 ? n * 1000 : n;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/**
 * Parses an RFC 3339 instant (any offset, any fraction) strictly: the calendar date and time
 * must exist. Returns epoch ms, or undefined when invalid.
 */
export function parseRfc3339(text: string): number | undefined {
  const m = RFC3339.exec(text);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  if (mo < 1 || mo > 12 || h > 23 || mi > 59 || s > 60) return undefined;
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > daysInMonth) return undefined;
  const zone = m[8] ?? 'Z';
  if (!/^z$/i.test(zone) && Math.abs(offsetMinutes(zone)) > 14 * 60) return undefined;
  const ms = Date.parse(text.replace(/:60(\.|[Zz+-])/, ':59$1'));
  return Number.isNaN(ms) ? undefined : ms;
}

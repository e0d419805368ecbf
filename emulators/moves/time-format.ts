// Moves timestamps: `yyyyMMdd'T'HHmmssZ`, local with a ±hhmm offset (`20160617T093531-0700`), or UTC with a
// literal `Z` (`20170412T074118Z`). A zero local offset is also written `Z`, as Joda's basic format does.
import { zoneOffsetMinutes } from './dates.ts';

function pad2(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

function compact(d: Date): string {
  return (
    String(d.getUTCFullYear()).padStart(4, '0') +
    pad2(d.getUTCMonth() + 1) +
    pad2(d.getUTCDate()) +
    'T' +
    pad2(d.getUTCHours()) +
    pad2(d.getUTCMinutes()) +
    pad2(d.getUTCSeconds())
  );
}

export function formatMovesTime(ms: number, zone: string): string {
  const offset = zoneOffsetMinutes(zone, ms);
  const local = compact(new Date(ms + offset * 60_000));
  if (offset === 0) return `${local}Z`;
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return `${local}${sign}${pad2(Math.floor(abs / 60))}${pad2(abs % 60)}`;
}

export function formatMovesUtc(ms: number): string {
  return `${compact(new Date(ms))}Z`;
}

/** RFC 1123, as in `Last-Modified: Mon, 29 May 2017 20:33:10 GMT`. */
export function formatHttpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

/**
 * Parses `updatedSince`: the compact form (`20140316T094438Z`, or with ±hhmm) and extended ISO 8601
 * (`2014-03-16T09:44:38.000Z`). Returns epoch ms or null.
 */
export function parseMovesTimestamp(text: string): number | null {
  const c = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z|[+-]\d{4})$/.exec(text);
  if (c) {
    const [, y, mo, d, h, mi, s, z] = c;
    let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
    const check = new Date(ms);
    if (check.getUTCDate() !== Number(d) || Number(h) > 23 || Number(mi) > 59 || Number(s) > 59) return null;
    if (z && z !== 'Z') {
      const sign = z.startsWith('-') ? -1 : 1;
      ms -= sign * (Number(z.slice(1, 3)) * 60 + Number(z.slice(3, 5))) * 60_000;
    }
    return ms;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.test(text)) {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? null : ms;
  }
  return null;
}

// How the history pages write numbers, in one place so that member unit preferences can replace it: metric,
// English, through Intl.
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneDecimal = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });

/** Metres as kilometres: "6,771 km", "12.4 km", "0.8 km". */
export function formatDistance(metres: number): string {
  const km = metres / 1000;
  return `${(km >= 100 ? whole : oneDecimal).format(km)} km`;
}

/** Seconds as hours and minutes: "412 h", "3 h 20 min", "45 min". */
export function formatDuration(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  const h = Math.floor(minutes / 60);
  const m = minutes % 60;
  if (h >= 100) return `${whole.format(h)} h`;
  if (h === 0) return `${m} min`;
  return m ? `${h} h ${m} min` : `${h} h`;
}

export const formatCount = (n: number) => whole.format(n);

const MOVES_TIME = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})\d{2}(Z|[+-]\d{4})$/;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** A Moves timestamp as the local time it was recorded in, with its zone: "17 Jun 2016, 09:24 (UTC+02:00)". */
export function localTimeWithZone(s: string | undefined): string {
  const m = s ? MOVES_TIME.exec(s) : null;
  if (!m) return 'unknown';
  const [, y, mo, d, h, mi, z] = m as unknown as [string, string, string, string, string, string, string];
  const zone = z === 'Z' ? 'UTC' : `UTC${z.slice(0, 3).replace('-', '−')}:${z.slice(3)}`;
  return `${Number(d)} ${MONTHS[Number(mo) - 1] ?? mo} ${y}, ${h}:${mi} (${zone})`;
}

/** yyyyMMdd as "Fri 17 Jun 2016". */
export function dayWords(date: string): string {
  const t = new Date(Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8)));
  return t.toLocaleDateString('en-GB', {
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    year: 'numeric',
    timeZone: 'UTC',
  });
}

/** yyyyMMdd as yyyy-MM-dd, the day page's address. */
export const isoDate = (date: string) => `${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}`;

export const MONTH_NAMES = [
  'January',
  'February',
  'March',
  'April',
  'May',
  'June',
  'July',
  'August',
  'September',
  'October',
  'November',
  'December',
];

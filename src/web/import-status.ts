// The member's latest archive import in plain words, for the import page, its status poll and the dashboard.
// Pure: the upload row and the current file's publish time come in as arguments.
import type { ImportReport } from '../archive/index.ts';
import type { UploadRow } from '../archive/uploads.ts';
import type { RefusedDayRow } from '../imports/archive-imports.ts';
import { formatBytes } from './status-words.ts';

export interface ImportStatus {
  state: 'none' | 'pending' | 'running' | 'publishing' | 'published' | 'unchanged' | 'failed';
  /** Still changing: the page keeps polling. */
  busy: boolean;
  fileName: string | null;
  words: string;
  /** 0–100 while the archive is read, else null. */
  percent: number | null;
  /** The report's lines (done imports). */
  details: string[];
  /** The first skipped entries with their reasons. */
  skipped: { where: string; reason: string }[];
  /** Days the import refused: all of them are in /import/refused.csv. */
  refusedDays: number;
}

const day = (d: string | null) => (d ? `${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}` : '');
const n = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export function describeImport(
  row: UploadRow | undefined,
  /** When the member's current Open Humans file was published, if there is one. */
  publishedAt: Date | null,
): ImportStatus {
  const none: ImportStatus = {
    state: 'none',
    busy: false,
    fileName: null,
    words: 'No export imported yet.',
    percent: null,
    details: [],
    skipped: [],
    refusedDays: 0,
  };
  if (!row) return none;
  const base = { ...none, fileName: row.fileName };
  switch (row.status) {
    case 'pending':
      return {
        ...base,
        state: 'pending',
        busy: true,
        words: `${row.fileName} uploaded: the import starts shortly.`,
      };
    case 'running': {
      const percent =
        row.progressTotal > 0
          ? Math.min(100, Math.floor((100 * row.progressDone) / row.progressTotal))
          : null;
      return {
        ...base,
        state: 'running',
        busy: true,
        percent,
        words:
          row.progressTotal > 0
            ? `Reading ${row.fileName}: ${formatBytes(row.progressDone)} of ${formatBytes(row.progressTotal)} of storyline data.`
            : `Opening ${row.fileName}…`,
      };
    }
    case 'failed':
      return {
        ...base,
        state: 'failed',
        words: `The import of ${row.fileName} failed: ${row.error ?? 'unknown reason'}. Nothing was stored or published.`,
      };
    default: {
      const r = row.report as ImportReport | null;
      if (!r) return { ...base, state: 'unchanged', words: `${row.fileName} was imported.` };
      const changed = r.weeks > 0;
      const published =
        changed && publishedAt !== null && row.finishedAt !== null && publishedAt >= row.finishedAt;
      const details = [
        `Days imported: ${r.added + r.replaced} (${n(r.added, 'new day')}, ${n(r.replaced, 'day')} where the export's copy was newer than the stored one).`,
        `Days already current: ${r.current}${r.storedNewer ? ` (for ${n(r.storedNewer, 'day')} the stored copy was newer and was kept)` : ''}.`,
        `Entries skipped as invalid: ${r.skipped}${r.refusedDays ? `, of which ${n(r.refusedDays, 'day')} refused (each is listed with its reason in the list of refused days)` : ''}.`,
        r.covered.firstDay
          ? `Your history now covers ${n(r.covered.days, 'day')}, from ${day(r.covered.firstDay)} to ${day(r.covered.lastDay)}.`
          : 'No days are stored.',
      ];
      return {
        ...base,
        state: !changed ? 'unchanged' : published ? 'published' : 'publishing',
        busy: changed && !published,
        percent: null,
        words: !changed
          ? `${row.fileName} was imported: everything in it was already here, so nothing was published.`
          : published
            ? `${row.fileName} was imported and your file on Open Humans is updated.`
            : `${row.fileName} was imported; uploading your file to Open Humans…`,
        details,
        skipped: r.skippedEntries,
        refusedDays: r.refusedDays ?? 0,
      };
    }
  }
}

const csvField = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The member's refused days as CSV: date (yyyy-MM-dd), file, reason. */
export function refusedDaysCsv(rows: RefusedDayRow[]): string {
  const lines = rows.map((r) => [day(r.date), r.fileName, r.reason].map(csvField).join(','));
  return ['date,file,reason', ...lines].map((l) => `${l}\r\n`).join('');
}

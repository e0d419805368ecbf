// The export a Moves user downloaded from their account (reference §7): moves_export.zip holding one zip per
// format. We write the JSON one in full (storyline with track points for every day up to yesterday, as one
// full/ array and as daily/ files, plus the summary) and a CSV storyline, pretty-printed the Jackson way.
// Streamed: each file's days are produced while the zip is read, one day at a time.
import { Readable } from 'node:stream';
import yazl from 'yazl';
import type { EmulatorContext } from './context.ts';
import { formatDate, ordinalAt } from './dates.ts';
import { applyNameOverrides } from './name-overrides.ts';
import { StorylineSource } from './generator.ts';
import type { DayModel } from './model.ts';
import { toStorylineDay, toSummaryDay } from './projections.ts';
import { toExportJson } from './serializer.ts';
import type { EmulatedUser } from './store.ts';
import { formatMovesTime } from './time-format.ts';

/** The export's days: firstDate up to yesterday in the user's zone. */
function exportRange(ctx: EmulatorContext, user: EmulatedUser): { first: number; last: number } {
  const source = new StorylineSource(user);
  return { first: source.firstOrdinal, last: ordinalAt(ctx.clock.now(), user.timeZone) - 1 };
}

function* days(ctx: EmulatorContext, user: EmulatedUser, first: number, last: number): Generator<DayModel> {
  const source = new StorylineSource(user);
  const now = ctx.clock.now();
  for (let o = first; o <= last; o++) yield source.day(o, { now, trackPoints: true });
}

/** A JSON array file of days, each pretty-printed, produced on demand. */
function arrayFile(models: Iterable<DayModel>, project: (m: DayModel) => unknown): Readable {
  return Readable.from(
    (function* () {
      let first = true;
      for (const m of models) {
        // Jackson writes `[ {` … `}, {` … `} ]`: the element text without its own outer array.
        yield `${first ? '[ ' : ', '}${toExportJson(project(m))}`;
        first = false;
      }
      yield first ? '[ ]' : ' ]';
    })(),
    { objectMode: false },
  );
}

/** storyline.csv: Date,Type,Name,Start,End,Duration (Date as M/D/YY). */
function storylineCsv(models: Iterable<DayModel>): Readable {
  return Readable.from(
    (function* () {
      yield 'Date,Type,Name,Start,End,Duration\n';
      for (const m of models) {
        const [y, mo, d] = [m.date.slice(2, 4), +m.date.slice(4, 6), +m.date.slice(6, 8)];
        for (const s of m.segments ?? []) {
          const name =
            s.type === 'place' ? (s.place?.name ?? 'Place') : (s.activities[0]?.activity ?? 'transport');
          const time = (ms: number) => formatMovesTime(ms, m.zone);
          yield `${mo}/${d}/${y},${s.type},"${name.replace(/"/g, '""')}",${time(s.start)},${time(s.end)},${Math.round((s.end - s.start) / 1000)}\n`;
        }
      }
    })(),
    { objectMode: false },
  );
}

/** The whole moves_export.zip as a stream. */
export function exportArchive(ctx: EmulatorContext, user: EmulatedUser): Readable {
  const { first, last } = exportRange(ctx, user);
  // The names a test set (control `names`) are in the export too, as in the API's answers.
  const storyline = (m: DayModel) => applyNameOverrides(toStorylineDay(m, true), user.names);
  const json = new yazl.ZipFile();
  json.addReadStream(arrayFile(days(ctx, user, first, last), storyline), 'json/full/storyline.json');
  json.addReadStream(arrayFile(days(ctx, user, first, last), toSummaryDay), 'json/full/summary.json');
  for (let o = first; o <= last; o++)
    json.addReadStream(
      arrayFile(days(ctx, user, o, o), storyline),
      `json/daily/storyline/storyline_${formatDate(o)}.json`,
    );
  json.end();

  const csv = new yazl.ZipFile();
  csv.addReadStream(storylineCsv(days(ctx, user, first, last)), 'csv/full/storyline.csv');
  csv.end();

  const outer = new yazl.ZipFile();
  // The inner zips are stored as they are (deflating them again gains nothing), as Moves did.
  outer.addReadStream(csv.outputStream as Readable, 'moves_export/csv.zip', { compress: false });
  outer.addReadStream(json.outputStream as Readable, 'moves_export/json.zip', { compress: false });
  outer.end();
  return outer.outputStream as Readable;
}

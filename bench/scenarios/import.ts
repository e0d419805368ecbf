// import: a member without Moves uploads their export (with track points), 1 year and 5 years, each in its own
// app process; the member's job imports it and publishes the file once. Streaming should make memory the same
// for both, and an import into an empty account uploads the file exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createBenchDatabase } from '../harness/context.ts';
import { startBenchEmulators } from '../harness/emulators.ts';
import { firstDateYearsAgo } from '../harness/members.ts';
import { round, type Figures, type ScenarioOutcome } from '../harness/results.ts';
import { target, type Scenario, type ScenarioOptions } from '../harness/scenario.ts';
import { forkApp } from '../harness/workers.ts';

interface ImportChildResult {
  t0: number;
  tEnd: number;
  archiveBytes: number;
  days: number;
  error: string | null;
  finalFileBytes: number;
  publishes: number;
  peakRssMb: number;
}

async function runImport(years: number, log: (m: string) => void) {
  const emu = await startBenchEmulators({
    timeScale: 1,
    minuteLimit: 60,
    hourLimit: 2000,
    rateScope: 'user',
  });
  const db = await createBenchDatabase('pglite');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oh-moves-bench-import-'));
  try {
    const firstDate = firstDateYearsAgo(years);
    const { userId } = emu.moves.createUser({ firstDate, timeZone: 'Europe/Berlin', seed: 7 });
    const archive = path.join(dir, 'moves_export.zip');
    const res = await emu.moves.control.exportArchive(userId);
    if (!res.body) throw new Error('export: an empty answer');
    await pipeline(Readable.fromWeb(res.body as WebReadableStream), fs.createWriteStream(archive));
    log(
      `import: ${years} year(s) from ${firstDate}, archive ${round(fs.statSync(archive).size / 2 ** 20, 1)} MB`,
    );
    const app = forkApp<ImportChildResult>(
      { kind: 'import', endpoints: emu.endpoints(), archive },
      {
        ...emu.appEnv,
        ...db.env,
      },
    );
    await app.ready;
    const r = await app.result;
    if (r.error) throw new Error(`the import failed: ${r.error}`);
    const oh = await emu.openHumansStats();
    const seconds = (r.tEnd - r.t0) / 1000;
    const figures: Figures = {
      days: r.days,
      seconds: round(seconds, 2),
      daysPerSecond: round(r.days / seconds, 1),
      archiveMb: round(r.archiveBytes / 2 ** 20, 1),
      mbPerSecond: round(r.archiveBytes / 2 ** 20 / seconds, 2),
      peakRssMb: round(r.peakRssMb, 1),
      finalFileBytes: r.finalFileBytes,
      bytesUploaded: oh.bytesUploaded,
      publishes: r.publishes,
      uploadRatio: r.finalFileBytes ? round(oh.bytesUploaded / r.finalFileBytes, 3) : undefined,
    };
    return { settings: { years, firstDate }, figures };
  } finally {
    await emu.close();
    await db.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

export const importScenario: Scenario = {
  name: 'import',
  description:
    'a member without Moves imports a 1-year and a 5-year export with track points, each in its own process',
  async run(opts: ScenarioOptions): Promise<ScenarioOutcome> {
    // Quick: a quarter of each (3 and 15 months): the same 1 : 5 ratio for memory, at a size a loaded machine runs.
    const scale = opts.quick ? 0.25 : 1;
    const runs = [];
    for (const years of [1, 5]) {
      const r = await runImport(years * scale, opts.log);
      runs.push({ name: `${years * scale} year(s)`, settings: r.settings, figures: r.figures });
    }
    const [one, five] = runs.map((r) => r.figures);
    const figures: Figures = {
      daysPerSecond1y: one?.daysPerSecond,
      daysPerSecond5y: five?.daysPerSecond,
      mbPerSecond1y: one?.mbPerSecond,
      mbPerSecond5y: five?.mbPerSecond,
      peakRssMb1y: one?.peakRssMb,
      peakRssMb5y: five?.peakRssMb,
      peakRssRatio: one?.peakRssMb && five?.peakRssMb ? round(five.peakRssMb / one.peakRssMb, 3) : undefined,
      uploadRatio: five?.uploadRatio,
      uploadRatio1y: one?.uploadRatio,
    };
    return {
      settings: { yearsScale: scale, years: [1 * scale, 5 * scale], store: 'pglite', trackPoints: true },
      figures,
      runs,
      targets: [
        target('peakRssRatio', '≤ 1.2 (5 years vs 1 year)', figures.peakRssRatio, (v) => v <= 1.2),
        target('uploadRatio', '≤ 1.0 (into an empty account)', figures.uploadRatio, (v) => v <= 1.0),
      ],
      notes: [
        "Time is the member job (import in one transaction, then the publish), measured in the app process; the archive is the Moves emulator's export (json.zip with full and daily storyline files with track points, and csv.zip).",
        'RSS is the app process only: the kernel maximum (resourceUsage().maxRSS), which includes opening the database and the job queue.',
      ],
    };
  },
};

// Runs the original app's replay on the same emulators as a scenario and puts its figures beside ours:
// `original<Figure>` and `<figure>VsOriginal` (oh-moves ÷ original, below 1 is better for us).
import { trafficSince, type BenchEmulators, type Traffic } from '../harness/emulators.ts';
import { originalAppMember, type MemberSpec } from '../harness/members.ts';
import { round, type Figures } from '../harness/results.ts';
import { OriginalApp, type OriginalMember, type OriginalRun } from './original-app.ts';

export interface OriginalFigures extends Traffic {
  run: OriginalRun;
  /** Real seconds from the first task to the last upload. */
  seconds: number;
}

/** Connects `specs` as new members for the original app (same histories) and runs it until every chain ends. */
export async function runOriginalOn(
  emu: BenchEmulators,
  specs: MemberSpec[],
  p: { timeoutMs: number; clockOffsetMs?: number },
): Promise<OriginalFigures & { members: OriginalMember[] }> {
  const members: OriginalMember[] = [];
  for (const spec of specs) members.push(await originalAppMember(emu.endpoints(), spec));
  return { ...(await measureOriginal(emu, members, p)), members };
}

/** One run of the original app for `members` (each chain to its end), with the emulators' counters around it. */
export async function measureOriginal(
  emu: BenchEmulators,
  members: OriginalMember[],
  p: { timeoutMs: number; clockOffsetMs?: number },
): Promise<OriginalFigures> {
  const traffic = await trafficSince(emu);
  const app = new OriginalApp({
    movesUrl: emu.movesUrl,
    openHumansUrl: emu.openHumansUrl,
    timeScale: emu.settings.timeScale,
    ohClient: { id: emu.ohProject.id, secret: emu.ohProject.secret },
    timeoutMs: p.timeoutMs,
    ...(p.clockOffsetMs === undefined ? {} : { clockOffsetMs: p.clockOffsetMs }),
  });
  const run = await app.run(members);
  return { run, seconds: run.elapsedMs / 1000, ...(await traffic()) };
}

/** The original's figures and the ratios, for a scenario's figures. `ours` holds the same four quantities. */
export function versusOriginal(
  ours: { seconds: number; requests: number; bytesUploaded: number; bytesDownloaded: number },
  original: OriginalFigures,
): Figures {
  const ratio = (a: number, b: number) => (b > 0 ? round(a / b, 3) : undefined);
  const oursBytes = ours.bytesUploaded + ours.bytesDownloaded;
  const originalBytes = original.bytesUploaded + original.bytesDownloaded;
  return {
    originalSeconds: round(original.seconds, 2),
    originalRequests: original.requests,
    originalHttp429: original.http429,
    originalBytesUploaded: original.bytesUploaded,
    originalBytesDownloaded: original.bytesDownloaded,
    originalRequeues: original.run.requeues,
    originalCrashed: original.run.crashed,
    originalUnfinished: original.run.unfinished,
    timeVsOriginal: ratio(ours.seconds, original.seconds),
    requestsVsOriginal: ratio(ours.requests, original.requests),
    bytesVsOriginal: ratio(oursBytes, originalBytes),
  };
}

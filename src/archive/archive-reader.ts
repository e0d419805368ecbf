// Opens what a member hands us — a moves_export.zip (json.zip nested or unzipped), a json.zip, or a bare storyline
// JSON array — and streams its storyline days one at a time, compact and with numbers kept as written.
// Nothing is read whole: zip entries and JSON arrays are streamed, a nested zip is copied to a temporary file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { NotAnArrayError, rawArrayElements } from '../sync/day-stream.ts';
import { chooseStoryline, classifyStoryline, cutRank, isNestedZip, type Choice } from './layout.ts';
import {
  closeZip,
  extractEntry,
  listEntries,
  openEntry,
  openZip,
  type ZipEntry,
  type ZipFile,
} from './zip.ts';

/** The file cannot be used at all; nothing was imported. */
export class ArchiveError extends Error {
  override name = 'ArchiveError';
}

export type ArchiveItem =
  | { kind: 'day'; text: string; origin: string }
  /** A whole per-period file that could not be read; the others still count. */
  | { kind: 'skipped'; origin: string; reason: string };

export interface OpenedArchive {
  /** Where the days come from, in words. */
  source: string;
  /** Throws ArchiveError when the data turns out to be unreadable part-way. */
  items(): AsyncGenerator<ArchiveItem>;
  /** Closes zips and removes temporary files. Always call it. */
  close(): Promise<void>;
}

/** moves_export.zip › json.zip is the real export's depth; one more allows an export zipped again. */
const MAX_NESTING = 3;

export async function openArchive(file: string): Promise<OpenedArchive> {
  const kind = await sniff(file);
  return kind === 'zip' ? openZipArchive(file) : openJsonArray(file);
}

async function sniff(file: string): Promise<'zip' | 'json'> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArchiveError(
      `cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if (stat.isDirectory())
    throw new ArchiveError(`${file} is a folder: give the export zip or its storyline.json instead`);
  if (stat.size === 0) throw new ArchiveError(`${file} is empty`);
  const fh = await fs.promises.open(file, 'r');
  try {
    const { buffer, bytesRead } = await fh.read(Buffer.alloc(4096), 0, 4096, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head[0] === 0x50 && head[1] === 0x4b) return 'zip'; // "PK"
    const text = head
      .toString('utf8')
      .replace(/^\uFEFF/, '')
      .trimStart();
    if (text.startsWith('[') || text === '') return 'json';
    if (text.startsWith('{'))
      throw new ArchiveError(
        `${file} holds a JSON object, not a list of days: a Moves storyline file is a JSON array`,
      );
    throw new ArchiveError(`${file} is neither a zip archive nor a JSON storyline file`);
  } finally {
    await fh.close();
  }
}

function jsonProblem(err: unknown, itemsRead: number): string {
  if (err instanceof NotAnArrayError) return err.message;
  const at = itemsRead > 0 ? ` after ${itemsRead} items` : '';
  return `not valid JSON${at} (${(err as Error).message})`;
}

function openJsonArray(file: string): OpenedArchive {
  const name = path.basename(file);
  return {
    source: name,
    async *items() {
      let n = 0;
      const input = fs.createReadStream(file);
      try {
        for await (const text of rawArrayElements(input))
          yield { kind: 'day', text, origin: `${name}, item ${++n}` };
      } catch (err) {
        throw new ArchiveError(`${name}: ${jsonProblem(err, n)}`);
      } finally {
        input.destroy();
      }
    },
    async close() {},
  };
}

interface Found {
  zip: ZipFile;
  /** The zip's name as the member would see it ("moves_export.zip › moves_export/json.zip"). */
  label: string;
  choice: Choice<ZipEntry>;
}

async function openZipArchive(file: string): Promise<OpenedArchive> {
  const opened: ZipFile[] = [];
  let tmpDir: string | undefined;
  let extracted = 0;
  const otherNames: string[] = [];
  const close = async () => {
    for (const z of opened) closeZip(z);
    if (tmpDir) await fs.promises.rm(tmpDir, { recursive: true, force: true });
  };

  const search = async (zip: ZipFile, label: string, depth: number): Promise<Found | null> => {
    let entries: ZipEntry[];
    try {
      entries = await listEntries(zip, (n) => {
        const keep = classifyStoryline(n) !== null || isNestedZip(n);
        if (!keep && depth === 1 && otherNames.length < 6) otherNames.push(n);
        return keep;
      });
    } catch (err) {
      throw new ArchiveError(`${label} is damaged: ${(err as Error).message}`);
    }
    const here = chooseStoryline(entries.map((e) => ({ name: e.fileName, item: e })));
    let best: Found | null = here ? { zip, label, choice: here } : null;
    if (best?.choice.cut === 'full' || depth >= MAX_NESTING) return best;
    const nested = entries.filter((e) => isNestedZip(e.fileName));
    nested.sort((a, b) => a.fileName.localeCompare(b.fileName));
    for (const entry of nested) {
      tmpDir ??= await fs.promises.mkdtemp(path.join(os.tmpdir(), 'oh-moves-archive-'));
      const target = path.join(tmpDir, `nested-${++extracted}.zip`);
      const innerLabel = `${label} › ${entry.fileName}`;
      let inner: ZipFile;
      try {
        await extractEntry(zip, entry, target);
        inner = await openZip(target);
      } catch (err) {
        throw new ArchiveError(`${innerLabel} is damaged: ${(err as Error).message}`);
      }
      opened.push(inner);
      const found = await search(inner, innerLabel, depth + 1);
      if (found && (!best || cutRank(found.choice.cut) < cutRank(best.choice.cut))) best = found;
      if (best?.choice.cut === 'full') break;
    }
    return best;
  };

  try {
    let outer: ZipFile;
    try {
      outer = await openZip(file);
    } catch (err) {
      throw new ArchiveError(
        `${file} is not a readable zip archive (${(err as Error).message}): it may be truncated or damaged`,
      );
    }
    opened.push(outer);
    const found = await search(outer, path.basename(file), 1);
    if (!found) {
      const seen = otherNames.length
        ? ` (it holds ${otherNames.join(', ')}${otherNames.length >= 6 ? ', …' : ''})`
        : '';
      throw new ArchiveError(
        `no storyline JSON in ${file}${seen}: expected json/full/storyline.json or ` +
          'json/daily/storyline/storyline_YYYYMMDD.json, directly or inside json.zip',
      );
    }
    const { zip, label, choice } = found;
    const first = choice.items[0]!.fileName;
    return {
      source:
        choice.cut === 'full'
          ? `${first} in ${label}`
          : `${choice.items.length} ${choice.cut} storyline files (${path.posix.dirname(first)}) in ${label}`,
      items: () => zipItems(zip, choice),
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function* zipItems(zip: ZipFile, choice: Choice<ZipEntry>): AsyncGenerator<ArchiveItem> {
  for (const entry of choice.items) {
    const name = entry.fileName;
    let stream: Readable;
    try {
      stream = await openEntry(zip, entry);
    } catch (err) {
      throw new ArchiveError(`the archive is damaged: cannot read ${name} (${(err as Error).message})`);
    }
    // Tells unpacking failures (a damaged archive) from JSON problems (a damaged file inside a sound archive).
    let unpackError: Error | undefined;
    stream.on('error', (e) => (unpackError ??= e));
    let n = 0;
    try {
      for await (const text of rawArrayElements(stream))
        yield { kind: 'day', text, origin: `${name}, item ${++n}` };
    } catch (err) {
      if (unpackError)
        throw new ArchiveError(`the archive is damaged: ${name} cannot be unpacked (${unpackError.message})`);
      // The full file is the whole history: a broken one is not "the rest is fine".
      if (choice.cut === 'full') throw new ArchiveError(`${name}: ${jsonProblem(err, n)}`);
      yield { kind: 'skipped', origin: name, reason: jsonProblem(err, n) };
    } finally {
      stream.destroy();
    }
  }
}

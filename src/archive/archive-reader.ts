// Opens what a member hands us — a moves_export.zip (json.zip nested or unzipped), a json.zip, or a bare storyline
// JSON array — and streams its storyline days one at a time, compact and with numbers kept as written.
// Nothing is read whole: zip entries and JSON arrays are streamed, a nested zip is copied to a temporary file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { ElementTooLargeError, NotAnArrayError } from '../sync/day-stream.ts';
import { scanArrayElements } from './json-elements.ts';
import { chooseStoryline, classifyStoryline, cutRank, isNestedZip, type Choice } from './layout.ts';
import { DEFAULT_LIMITS, RATIO_FLOOR_BYTES, type ArchiveLimits } from './limits.ts';
import {
  closeZip,
  extractEntry,
  isSymlink,
  isUnsafeNameError,
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
  /** Bytes of storyline JSON read so far, of `total` (updated while items() runs). */
  progress: { done: number; total: number };
  /** Throws ArchiveError when the data turns out to be unreadable part-way. */
  items(): AsyncGenerator<ArchiveItem>;
  /** Closes zips and removes temporary files. Always call it. */
  close(): Promise<void>;
}

export interface OpenOptions {
  limits?: ArchiveLimits;
  /** Where nested zips are unpacked (the system's temporary folder by default). */
  tmpDir?: string;
  /** The file's name as the member knows it (an upload's temporary name means nothing to them). */
  displayName?: string;
}

export async function openArchive(file: string, opts: OpenOptions = {}): Promise<OpenedArchive> {
  const kind = await sniff(file, opts.displayName ?? file);
  const o = { limits: DEFAULT_LIMITS, name: opts.displayName ?? path.basename(file), ...opts };
  return kind === 'zip' ? openZipArchive(file, o) : openJsonArray(file, o);
}

interface Opened {
  limits: ArchiveLimits;
  name: string;
  tmpDir?: string;
}

/** The input, counting the bytes that pass for the progress bar (errors are passed on). */
function counted(input: Readable, progress: { done: number }): Readable {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      progress.done += chunk.length;
      cb(null, chunk);
    },
  });
  input.on('error', (err) => t.destroy(err));
  return input.pipe(t);
}

async function sniff(file: string, name: string): Promise<'zip' | 'json'> {
  let stat: fs.Stats;
  try {
    stat = await fs.promises.stat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ArchiveError(
      `cannot read ${name}: ${code === 'ENOENT' ? 'no such file' : (err as Error).message}`,
    );
  }
  if (stat.isDirectory())
    throw new ArchiveError(`${name} is a folder: give the export zip or its storyline.json instead`);
  if (stat.size === 0) throw new ArchiveError(`${name} is empty`);
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
        `${name} holds a JSON object, not a list of days: a Moves storyline file is a JSON array`,
      );
    throw new ArchiveError(`${name} is neither a zip archive nor a JSON storyline file`);
  } finally {
    await fh.close();
  }
}

function jsonProblem(err: unknown, itemsRead: number): string {
  if (err instanceof NotAnArrayError || err instanceof ElementTooLargeError) return err.message;
  const at = itemsRead > 0 ? ` after ${itemsRead} items` : '';
  return `not valid JSON${at} (${(err as Error).message})`;
}

async function openJsonArray(file: string, o: Opened): Promise<OpenedArchive> {
  const name = o.name;
  const progress = { done: 0, total: (await fs.promises.stat(file)).size };
  return {
    source: name,
    progress,
    async *items() {
      let n = 0;
      const input = fs.createReadStream(file);
      try {
        for await (const text of scanArrayElements(counted(input, progress), elementLimits(o.limits)))
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

function elementLimits(l: ArchiveLimits) {
  return { maxDepth: l.maxJsonDepth, maxBytes: l.maxDayBytes };
}

/** The checks every entry of every zip passes before anything is unpacked. */
function entryCheck(label: string, limits: ArchiveLimits, count: { n: number }) {
  return (entry: ZipEntry) => {
    if (++count.n > limits.maxEntries)
      throw new ArchiveError(
        `${label} holds more than ${limits.maxEntries} files (nested zips counted): that is not a Moves export`,
      );
    if (entry.isEncrypted())
      throw new ArchiveError(
        `${label} is password-protected (${entry.fileName}): export it again without a password`,
      );
    if (isSymlink(entry))
      throw new ArchiveError(
        `${label} holds a symbolic link (${entry.fileName}): that is not a Moves export`,
      );
    const big = entry.uncompressedSize > RATIO_FLOOR_BYTES;
    if (big && entry.uncompressedSize > limits.maxRatio * Math.max(1, entry.compressedSize))
      throw new ArchiveError(
        `${label} looks like a zip bomb: ${entry.fileName} would unpack ` +
          `${Math.round(entry.uncompressedSize / Math.max(1, entry.compressedSize))} times its size`,
      );
  };
}

/**
 * The search of one zip, nested zips included, for its best storyline: what it has opened and unpacked so far,
 * against the limits that hold for the whole archive.
 */
class ZipSearch {
  /** Zips open now, with the temporary file each nested one was copied to. */
  readonly opened = new Map<ZipFile, string | null>();
  private tmpDir: string | undefined;
  private extracted = 0;
  /** Uncompressed bytes we unpack (nested zips and the chosen storyline files), as declared. */
  private unpacking = 0;
  /** Entries of every zip opened, nested ones included, against one limit. */
  private readonly entryCount = { n: 0 };
  /** A few names of what the archive holds besides storylines, for the message when it has none. */
  readonly otherNames: string[] = [];
  /** The first nested zip left unopened for being too deep. */
  tooDeep: string | undefined;

  private readonly o: Opened;

  constructor(o: Opened) {
    this.o = o;
  }

  budget(entry: ZipEntry, label: string): void {
    const max = this.o.limits.maxUncompressedBytes;
    this.unpacking += entry.uncompressedSize;
    if (this.unpacking > max)
      throw new ArchiveError(
        `${label} would unpack to more than ${Math.round(max / 1024 ** 2)} MB: ` +
          'that is far more than a Moves export holds',
      );
  }

  /** A nested zip that holds nothing we keep: closed and its copy deleted before the next is opened. */
  async release(zip: ZipFile): Promise<void> {
    if (!this.opened.has(zip)) return;
    closeZip(zip);
    const copy = this.opened.get(zip);
    this.opened.delete(zip);
    if (copy) await fs.promises.rm(copy, { force: true });
  }

  async close(): Promise<void> {
    for (const z of this.opened.keys()) closeZip(z);
    this.opened.clear();
    if (this.tmpDir) await fs.promises.rm(this.tmpDir, { recursive: true, force: true });
  }

  /** The zip's storyline entries and nested zips, each entry checked first. */
  private async keptEntries(zip: ZipFile, label: string, depth: number): Promise<ZipEntry[]> {
    try {
      return await listEntries(
        zip,
        (n) => {
          const keep = classifyStoryline(n) !== null || isNestedZip(n);
          if (!keep && depth <= 2 && this.otherNames.length < 8 && !n.endsWith('/')) this.otherNames.push(n);
          return keep;
        },
        entryCheck(label, this.o.limits, this.entryCount),
      );
    } catch (err) {
      if (err instanceof ArchiveError) throw err;
      if (isUnsafeNameError(err as Error))
        throw new ArchiveError(
          `${label} holds a file with an unsafe name (${(err as Error).message}): that is not a Moves export`,
        );
      throw new ArchiveError(`${label} is damaged: ${(err as Error).message}`);
    }
  }

  /** A nested zip copied to a temporary file and opened. */
  private async openNested(zip: ZipFile, entry: ZipEntry, innerLabel: string): Promise<ZipFile> {
    this.budget(entry, innerLabel);
    this.tmpDir ??= await fs.promises.mkdtemp(path.join(this.o.tmpDir ?? os.tmpdir(), 'oh-moves-archive-'));
    const target = path.join(this.tmpDir, `nested-${++this.extracted}.zip`);
    let inner: ZipFile;
    try {
      await extractEntry(zip, entry, target);
      inner = await openZip(target);
    } catch (err) {
      await fs.promises.rm(target, { force: true });
      throw new ArchiveError(`${innerLabel} is damaged: ${(err as Error).message}`);
    }
    this.opened.set(inner, target);
    return inner;
  }

  /** The best storyline in this zip or the zips nested in it (a full storyline ends the search). */
  async search(zip: ZipFile, label: string, depth: number): Promise<Found | null> {
    const entries = await this.keptEntries(zip, label, depth);
    const here = chooseStoryline(entries.map((e) => ({ name: e.fileName, item: e })));
    let best: Found | null = here ? { zip, label, choice: here } : null;
    if (best?.choice.cut === 'full') return best;
    const nested = entries.filter((e) => isNestedZip(e.fileName));
    nested.sort((a, b) => a.fileName.localeCompare(b.fileName));
    if (depth >= this.o.limits.maxZipDepth) {
      if (nested.length) this.tooDeep ??= `${label} › ${nested[0]!.fileName}`;
      return best;
    }
    for (const entry of nested) {
      const innerLabel = `${label} › ${entry.fileName}`;
      const inner = await this.openNested(zip, entry, innerLabel);
      const found = await this.search(inner, innerLabel, depth + 1);
      if (found && (!best || cutRank(found.choice.cut) < cutRank(best.choice.cut))) {
        if (best && best.zip !== zip) await this.release(best.zip);
        best = found;
      } else if (found) await this.release(found.zip);
      // One nested zip open at a time (per level): only the one holding the best storyline stays.
      if (best?.zip !== inner) await this.release(inner);
      if (best?.choice.cut === 'full') break;
    }
    return best;
  }
}

async function openZipArchive(file: string, o: Opened): Promise<OpenedArchive> {
  const zips = new ZipSearch(o);
  try {
    let outer: ZipFile;
    try {
      outer = await openZip(file);
    } catch (err) {
      throw new ArchiveError(
        `${o.name} is not a readable zip archive (${(err as Error).message}): it may be truncated or damaged`,
      );
    }
    zips.opened.set(outer, null);
    const found = await zips.search(outer, o.name, 1);
    if (!found) {
      if (zips.tooDeep)
        throw new ArchiveError(
          `${o.name} nests zips more than ${o.limits.maxZipDepth} deep (${zips.tooDeep}): give the moves_export.zip ` +
            'you downloaded from Moves, or the json.zip inside it',
        );
      throw new ArchiveError(noStorylineMessage(o.name, zips.otherNames));
    }
    const { zip, label, choice } = found;
    for (const e of choice.items) zips.budget(e, label);
    const first = choice.items[0]!.fileName;
    const progress = { done: 0, total: choice.items.reduce((n, e) => n + e.uncompressedSize, 0) };
    return {
      source:
        choice.cut === 'full'
          ? `${first} in ${label}`
          : `${choice.items.length} ${choice.cut} storyline files (${path.posix.dirname(first)}) in ${label}`,
      progress,
      items: () => zipItems(zip, choice, progress, o.limits),
      close: () => zips.close(),
    };
  } catch (err) {
    await zips.close();
    throw err;
  }
}

/** Names what the archive holds instead (csv.zip, gpx/…) and what we need. */
function noStorylineMessage(name: string, others: string[]): string {
  const formats = [
    ...new Set(
      others
        .map((n) =>
          /(?:^|\/)(csv|geojson|georss|gpx|ics|kml_ge|kml)(?:\.zip$|\/)/i.exec(n)?.[1]?.toUpperCase(),
        )
        .filter((f): f is string => !!f),
    ),
  ];
  const seen = formats.length
    ? ` It holds ${formats.join(', ')} files (${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''}), but no JSON.`
    : others.length
      ? ` It holds ${others.slice(0, 6).join(', ')}${others.length > 6 ? ', …' : ''}.`
      : ' It is empty.';
  return (
    `${name} holds no Moves storyline in JSON.${seen} What is needed is the JSON part of the export: ` +
    'json.zip (inside moves_export.zip) with json/full/storyline.json or json/daily/storyline/storyline_YYYYMMDD.json'
  );
}

async function* zipItems(
  zip: ZipFile,
  choice: Choice<ZipEntry>,
  progress: { done: number },
  limits: ArchiveLimits,
): AsyncGenerator<ArchiveItem> {
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
      for await (const text of scanArrayElements(counted(stream, progress), elementLimits(limits)))
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

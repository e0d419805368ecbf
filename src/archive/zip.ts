// Promise wrappers around yauzl. yauzl reads entries through the central directory (random access), so a zip
// inside a zip is first copied, streaming, to a temporary file.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';

export type ZipFile = yauzl.ZipFile;
export type ZipEntry = yauzl.Entry;

export function openZip(file: string): Promise<ZipFile> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true, autoClose: false }, (err, zip) =>
      err ? reject(err) : resolve(zip),
    );
  });
}

/**
 * Every entry whose name passes the filter (the central directory only: no file data is read). `check` sees every
 * entry first and may throw to refuse the whole archive.
 */
export function listEntries(
  zip: ZipFile,
  keep: (name: string) => boolean,
  check: (entry: ZipEntry) => void = () => {},
): Promise<ZipEntry[]> {
  return new Promise((resolve, reject) => {
    const kept: ZipEntry[] = [];
    zip.on('entry', (entry: ZipEntry) => {
      try {
        check(entry);
      } catch (err) {
        reject(err as Error);
        return;
      }
      if (!entry.fileName.endsWith('/') && keep(entry.fileName)) kept.push(entry);
      zip.readEntry();
    });
    zip.once('end', () => resolve(kept));
    zip.once('error', reject);
    zip.readEntry();
  });
}

export function openEntry(zip: ZipFile, entry: ZipEntry): Promise<Readable> {
  return new Promise((resolve, reject) => {
    zip.openReadStream(entry, (err, stream) => (err ? reject(err) : resolve(stream)));
  });
}

/** Copies an entry to a file (streaming, never whole in memory). */
export async function extractEntry(zip: ZipFile, entry: ZipEntry, target: string): Promise<void> {
  await pipeline(await openEntry(zip, entry), fs.createWriteStream(target));
}

export function closeZip(zip: ZipFile): void {
  if (zip.isOpen) zip.close();
}

/** A symbolic link stored with Unix attributes (made by `zip -y`): never followed, never wanted. */
export function isSymlink(entry: ZipEntry): boolean {
  const madeBy = entry.versionMadeBy >> 8;
  return madeBy === 3 && ((entry.externalFileAttributes >>> 16) & 0o170000) === 0o120000;
}

/** yauzl refuses these names itself; its messages say which rule. */
export function isUnsafeNameError(err: Error): boolean {
  return /^(absolute path|invalid relative path|invalid characters in fileName)/.test(err.message);
}

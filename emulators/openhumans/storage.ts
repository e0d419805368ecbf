// Object storage on disk, standing in for S3. Bytes are streamed in and out (never buffered whole); md5 and
// size are computed while streaming. An object appears only once its PUT completed (write to a temp file,
// then rename), so a dropped upload never leaves a half object behind.
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export interface StoredObject {
  key: string;
  path: string;
  size: number;
  md5: string;
}

export class ObjectStorage {
  private readonly objects = new Map<string, StoredObject>();

  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  async init(): Promise<void> {
    await mkdir(join(this.dir, 'objects'), { recursive: true });
    await mkdir(join(this.dir, 'tmp'), { recursive: true });
  }

  async put(key: string, source: Readable): Promise<StoredObject> {
    const tmp = join(this.dir, 'tmp', randomUUID());
    const hash = createHash('md5');
    let size = 0;
    const measure = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        hash.update(chunk);
        size += chunk.length;
        cb(null, chunk);
      },
    });
    try {
      await pipeline(source, measure, createWriteStream(tmp));
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
    const path = this.pathOf(key);
    await rename(tmp, path);
    const obj: StoredObject = { key, path, size, md5: hash.digest('hex') };
    this.objects.set(key, obj);
    return obj;
  }

  private pathOf(key: string): string {
    return join(this.dir, 'objects', createHash('sha1').update(key).digest('hex'));
  }

  /** What is stored (for the state file); the bytes stay in the objects folder. */
  records(): { key: string; size: number; md5: string }[] {
    return [...this.objects.values()].map(({ key, size, md5 }) => ({ key, size, md5 }));
  }

  /** Knows again the objects a previous run stored; one whose bytes are gone is left out. */
  restore(records: readonly { key: string; size: number; md5: string }[]): void {
    for (const r of records) {
      const path = this.pathOf(r.key);
      if (existsSync(path)) this.objects.set(r.key, { ...r, path });
    }
  }

  get(key: string): StoredObject | undefined {
    return this.objects.get(key);
  }

  openRead(key: string): Readable | undefined {
    const obj = this.objects.get(key);
    return obj ? createReadStream(obj.path) : undefined;
  }

  async delete(key: string): Promise<void> {
    const obj = this.objects.get(key);
    if (!obj) return;
    this.objects.delete(key);
    await rm(obj.path, { force: true });
  }
}

// An emulator's state kept in one JSON file, so a restarted emulator (the sandbox after `npm start` again)
// knows the accounts, tokens and files it handed out. Saves are coalesced (many requests, one write), written
// to a temporary file and renamed, so a crash leaves either the old or the new state, never half of one.
import fs from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';

export class StateFile<T> {
  readonly path: string;
  private readonly snapshot: () => T;
  private pending: NodeJS.Immediate | undefined;

  constructor(file: string, snapshot: () => T) {
    this.path = path.resolve(file);
    this.snapshot = snapshot;
  }

  /** The saved state, or undefined when none was saved yet. A file that does not parse stops the start. */
  static load<S extends z.ZodType>(file: string, schema: S): z.infer<S> | undefined {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new Error(`emulator state file ${file} is not valid JSON; move it away to start afresh`);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success)
      throw new Error(`emulator state file ${file} is not a saved state; move it away to start afresh`);
    return parsed.data;
  }

  /** Saves soon (once for everything changed in this turn of the event loop). */
  schedule(): void {
    this.pending ??= setImmediate(() => {
      this.pending = undefined;
      this.save();
    });
  }

  /** Saves now (on close, and after in-process changes). */
  save(): void {
    if (this.pending) clearImmediate(this.pending);
    this.pending = undefined;
    fs.mkdirSync(path.dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(this.snapshot()), { mode: 0o600 });
    fs.renameSync(tmp, this.path);
  }
}

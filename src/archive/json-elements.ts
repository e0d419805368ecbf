// The elements of a top-level JSON array, streamed, each as its own compact JSON text: white space outside
// strings is dropped, everything else (numbers, string escapes, key order) stays exactly as written. A scanner,
// not a parser: it only tracks strings and nesting to find where each element ends (about 20× faster than
// rebuilding the text from parser tokens), and leaves checking each element's syntax to JSON.parse in the day
// check. Pretty-printed exports are mostly white space, so this is the import's hot path.
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { ElementTooLargeError, NotAnArrayError, type ElementLimits } from '../sync/day-stream.ts';

const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const OPEN_SQUARE = 0x5b;
const CLOSE_SQUARE = 0x5d;
const OPEN_CURLY = 0x7b;
const CLOSE_CURLY = 0x7d;
const BOM = 0xfeff;

const isSpace = (c: number) => c === SPACE || c === LF || c === CR || c === TAB;

/** The scanner's state across chunks, and the elements finished in the current chunk. */
class ArrayScanner {
  /** before the root '[' | inside the root, between elements | after the root ']' */
  phase: 'start' | 'between' | 'end' = 'start';
  private expectValue = true;
  private depth = 0;
  private inString = false;
  private escape = false;
  /** An element is being collected (a container, or a scalar at the top level). */
  private inElement = false;
  private parts: string[] = [];
  private size = 0;
  done: string[] = [];
  /** Where the current chunk's part of the element starts (-1: not in one). */
  private segStart = -1;
  private text = '';

  private readonly maxDepth: number;
  private readonly maxBytes: number;

  constructor(maxDepth: number, maxBytes: number) {
    this.maxDepth = maxDepth;
    this.maxBytes = maxBytes;
  }

  private cut(end: number): void {
    if (this.segStart >= 0 && end > this.segStart) {
      this.parts.push(this.text.slice(this.segStart, end));
      this.size += end - this.segStart;
    }
    this.segStart = -1;
  }

  private checkSize(): void {
    if (this.size > this.maxBytes)
      throw new ElementTooLargeError(`an entry is larger than ${this.maxBytes} bytes`);
  }

  private finish(end: number): void {
    this.cut(end);
    this.checkSize();
    this.done.push(this.parts.join(''));
    this.parts = [];
    this.size = 0;
    this.inElement = false;
    this.expectValue = false;
  }

  /** A comma or the root's ']' at the top level: ends an element, or is out of place. */
  private separator(c: number, i: number): void {
    if (this.inElement) this.finish(i);
    else if (this.expectValue && (c === COMMA || this.done.length > 0 || this.parts.length > 0))
      throw new Error(`unexpected "${String.fromCharCode(c)}"`);
    if (c === CLOSE_SQUARE) this.phase = 'end';
    else this.expectValue = true;
  }

  scan(text: string): void {
    this.text = text;
    // An element (or a string in it) that continues from the previous chunk continues at this chunk's start.
    this.segStart = this.inElement ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === BACKSLASH) this.escape = true;
        else if (c === QUOTE) this.inString = false;
        continue;
      }
      if (isSpace(c) || (c === BOM && this.phase === 'start')) {
        // White space ends a top-level scalar; inside a container it is dropped.
        if (this.inElement && this.depth === 0) this.finish(i);
        else if (this.inElement) this.cut(i);
        continue;
      }
      if (this.phase === 'start') {
        if (c !== OPEN_SQUARE) throw new NotAnArrayError('the file is not a JSON array');
        this.phase = 'between';
        continue;
      }
      if (this.phase === 'end') throw new NotAnArrayError('unexpected data after the JSON array');
      if (this.inElement && this.segStart < 0) this.segStart = i;
      if (this.depth === 0) {
        // Between elements, or inside a top-level scalar.
        if (c === COMMA || c === CLOSE_SQUARE) {
          this.separator(c, i);
          continue;
        }
        if (!this.inElement) {
          if (!this.expectValue) throw new Error(`unexpected "${String.fromCharCode(c)}" between entries`);
          this.inElement = true;
          this.segStart = i;
        }
      }
      if (c === QUOTE) this.inString = true;
      else if (c === OPEN_CURLY || c === OPEN_SQUARE) {
        if (++this.depth > this.maxDepth)
          throw new ElementTooLargeError(`an entry nests deeper than ${this.maxDepth} levels`);
      } else if (c === CLOSE_CURLY || c === CLOSE_SQUARE) {
        if (--this.depth < 0) throw new Error(`unexpected "${String.fromCharCode(c)}"`);
        if (this.depth === 0) this.finish(i + 1);
      }
    }
    if (this.inElement) {
      this.cut(text.length);
      this.checkSize();
    }
  }
}

export async function* scanArrayElements(
  input: Readable,
  limits: ElementLimits = {},
): AsyncGenerator<string> {
  const scanner = new ArrayScanner(limits.maxDepth ?? Infinity, limits.maxBytes ?? Infinity);
  const decoder = new StringDecoder('utf8');
  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    scanner.scan(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (scanner.done.length) {
      const ready = scanner.done;
      scanner.done = [];
      yield* ready;
    }
  }
  scanner.scan(decoder.end());
  yield* scanner.done;
  if (scanner.phase === 'start') throw new NotAnArrayError('the file is empty or not a JSON array');
  if (scanner.phase !== 'end') throw new Error('the file ends before the JSON array is complete');
}

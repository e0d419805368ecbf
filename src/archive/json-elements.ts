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

export async function* scanArrayElements(
  input: Readable,
  limits: ElementLimits = {},
): AsyncGenerator<string> {
  const maxDepth = limits.maxDepth ?? Infinity;
  const maxBytes = limits.maxBytes ?? Infinity;
  const decoder = new StringDecoder('utf8');
  /** before the root '[' | inside the root, between elements | after the root ']' */
  let phase: 'start' | 'between' | 'end' = 'start';
  let expectValue = true;
  let depth = 0;
  let inString = false;
  let escape = false;
  /** An element is being collected (a container, or a scalar at the top level). */
  let inElement = false;
  let parts: string[] = [];
  let size = 0;
  let done: string[] = [];

  const scan = (text: string) => {
    // An element (or a string in it) that continues from the previous chunk continues at this chunk's start.
    let segStart = inElement ? 0 : -1;
    const cut = (end: number) => {
      if (segStart >= 0 && end > segStart) {
        parts.push(text.slice(segStart, end));
        size += end - segStart;
      }
      segStart = -1;
    };
    const finish = (end: number) => {
      cut(end);
      if (size > maxBytes) throw new ElementTooLargeError(`an entry is larger than ${maxBytes} bytes`);
      done.push(parts.join(''));
      parts = [];
      size = 0;
      inElement = false;
      expectValue = false;
    };
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (inString) {
        if (escape) escape = false;
        else if (c === BACKSLASH) escape = true;
        else if (c === QUOTE) inString = false;
        continue;
      }
      if (isSpace(c) || (c === BOM && phase === 'start')) {
        // White space ends a top-level scalar; inside a container it is dropped.
        if (inElement && depth === 0) finish(i);
        else if (inElement) cut(i);
        continue;
      }
      if (phase === 'start') {
        if (c !== OPEN_SQUARE) throw new NotAnArrayError('the file is not a JSON array');
        phase = 'between';
        continue;
      }
      if (phase === 'end') throw new NotAnArrayError('unexpected data after the JSON array');
      if (inElement && segStart < 0) segStart = i;
      if (depth === 0) {
        // Between elements, or inside a top-level scalar.
        if (c === COMMA || c === CLOSE_SQUARE) {
          if (inElement) finish(i);
          else if (expectValue && (c === COMMA || done.length > 0 || parts.length > 0))
            throw new Error(`unexpected "${String.fromCharCode(c)}"`);
          if (c === CLOSE_SQUARE) phase = 'end';
          else expectValue = true;
          continue;
        }
        if (!inElement) {
          if (!expectValue) throw new Error(`unexpected "${String.fromCharCode(c)}" between entries`);
          inElement = true;
          segStart = i;
        }
      }
      if (c === QUOTE) inString = true;
      else if (c === OPEN_CURLY || c === OPEN_SQUARE) {
        if (++depth > maxDepth)
          throw new ElementTooLargeError(`an entry nests deeper than ${maxDepth} levels`);
      } else if (c === CLOSE_CURLY || c === CLOSE_SQUARE) {
        if (--depth < 0) throw new Error(`unexpected "${String.fromCharCode(c)}"`);
        if (depth === 0) finish(i + 1);
      }
    }
    if (inElement) {
      cut(text.length);
      if (size > maxBytes) throw new ElementTooLargeError(`an entry is larger than ${maxBytes} bytes`);
    }
  };

  for await (const chunk of input as AsyncIterable<Buffer | string>) {
    scan(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (done.length) {
      const ready = done;
      done = [];
      yield* ready;
    }
  }
  scan(decoder.end());
  yield* done;
  if (phase === 'start') throw new NotAnArrayError('the file is empty or not a JSON array');
  if (phase !== 'end') throw new Error('the file ends before the JSON array is complete');
}

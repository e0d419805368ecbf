// Streams the elements of a (possibly huge) top-level JSON array as their own JSON text, one at a time, without
// ever holding the whole document. Numbers keep their original text (stream-json hands them over unparsed), so
// ids beyond 2^53 and values like 46.0 survive unchanged.
import type { Readable } from 'node:stream';
import parser from 'stream-json/parser.js';

export class NotAnArrayError extends Error {
  override name = 'NotAnArrayError';
}

interface Frame {
  isObject: boolean;
  /** Members written so far (to place commas). */
  count: number;
}

/** Bounds for input we did not fetch ourselves (uploaded archives): past them the element is refused. */
export interface ElementLimits {
  /** Arrays and objects nested inside one element. */
  maxDepth?: number;
  /** Characters of one element's JSON text. */
  maxBytes?: number;
}

/** An element breaks an ElementLimits bound. */
export class ElementTooLargeError extends Error {
  override name = 'ElementTooLargeError';
}

/** Yields each top-level array element's JSON text. Throws NotAnArrayError when the document is no array. */
export async function* rawArrayElements(input: Readable, limits: ElementLimits = {}): AsyncGenerator<string> {
  const maxDepth = limits.maxDepth ?? Infinity;
  const maxBytes = limits.maxBytes ?? Infinity;
  let size = 0;
  const tokens = parser.asStream({ packValues: true, streamValues: false });
  input.on('error', (err) => tokens.destroy(err));
  input.pipe(tokens);

  let rootOpen = false;
  let rootClosed = false;
  // Containers inside the current element; empty between elements.
  const stack: Frame[] = [];
  let parts: string[] = [];

  // Before a value: a comma if it is not the first item of an array (object values follow their key).
  const beforeValue = () => {
    const top = stack[stack.length - 1];
    if (top && !top.isObject) {
      if (top.count > 0) parts.push(',');
      top.count++;
    }
  };

  for await (const token of tokens as AsyncIterable<parser.Token>) {
    if (!rootOpen) {
      if (token.name !== 'startArray') throw new NotAnArrayError('the file is not a JSON array');
      rootOpen = true;
      continue;
    }
    if (rootClosed) throw new NotAnArrayError('unexpected data after the JSON array');
    let elementDone = false;
    switch (token.name) {
      case 'startArray':
      case 'startObject':
        beforeValue();
        parts.push(token.name === 'startObject' ? '{' : '[');
        stack.push({ isObject: token.name === 'startObject', count: 0 });
        if (stack.length > maxDepth)
          throw new ElementTooLargeError(`an entry nests deeper than ${maxDepth} levels`);
        break;
      case 'endArray':
      case 'endObject':
        if (stack.length === 0) {
          rootClosed = true; // the root array's end
          break;
        }
        stack.pop();
        parts.push(token.name === 'endObject' ? '}' : ']');
        elementDone = stack.length === 0;
        break;
      case 'keyValue': {
        const top = stack[stack.length - 1]!;
        if (top.count > 0) parts.push(',');
        top.count++;
        parts.push(JSON.stringify(token.value), ':');
        size += token.value.length;
        break;
      }
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        beforeValue();
        parts.push(
          token.name === 'stringValue'
            ? JSON.stringify(token.value)
            : token.name === 'numberValue'
              ? token.value
              : String(token.value),
        );
        size += typeof token.value === 'string' ? token.value.length : 5;
        elementDone = stack.length === 0;
        break;
      default:
        break;
    }
    if (size > maxBytes) throw new ElementTooLargeError(`an entry is larger than ${maxBytes} bytes`);
    if (elementDone) {
      yield parts.join('');
      parts = [];
      size = 0;
    }
  }
  if (!rootOpen || !rootClosed) throw new NotAnArrayError('the file is empty or not a complete JSON array');
}

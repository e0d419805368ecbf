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
  const maxBytes = limits.maxBytes ?? Infinity;
  const tokens = parser.asStream({ packValues: true, streamValues: false });
  input.on('error', (err) => tokens.destroy(err));
  input.pipe(tokens);

  let rootOpen = false;
  let rootClosed = false;
  const element = new ElementText(limits.maxDepth ?? Infinity);
  for await (const token of tokens as AsyncIterable<parser.Token>) {
    if (!rootOpen) {
      if (token.name !== 'startArray') throw new NotAnArrayError('the file is not a JSON array');
      rootOpen = true;
      continue;
    }
    if (rootClosed) throw new NotAnArrayError('unexpected data after the JSON array');
    const step = element.add(token);
    if (step === 'rootEnd') rootClosed = true;
    if (element.size > maxBytes) throw new ElementTooLargeError(`an entry is larger than ${maxBytes} bytes`);
    if (step === 'elementDone') yield element.take();
  }
  if (!rootOpen || !rootClosed) throw new NotAnArrayError('the file is empty or not a complete JSON array');
}

/** One element's JSON text, rebuilt token by token. */
class ElementText {
  /** Characters of the element so far (approximate: what the limit counts). */
  size = 0;
  private parts: string[] = [];
  // Containers inside the current element; empty between elements.
  private readonly stack: Frame[] = [];
  private readonly maxDepth: number;

  constructor(maxDepth: number) {
    this.maxDepth = maxDepth;
  }

  /** The element's text; starts the next one. */
  take(): string {
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    return text;
  }

  /** Adds a token inside the root array; says when it completed an element or was the root array's end. */
  add(token: parser.Token): 'elementDone' | 'rootEnd' | undefined {
    const { parts, stack } = this;
    switch (token.name) {
      case 'startArray':
      case 'startObject':
        this.beforeValue();
        parts.push(token.name === 'startObject' ? '{' : '[');
        stack.push({ isObject: token.name === 'startObject', count: 0 });
        if (stack.length > this.maxDepth)
          throw new ElementTooLargeError(`an entry nests deeper than ${this.maxDepth} levels`);
        return undefined;
      case 'endArray':
      case 'endObject':
        if (stack.length === 0) return 'rootEnd';
        stack.pop();
        parts.push(token.name === 'endObject' ? '}' : ']');
        return stack.length === 0 ? 'elementDone' : undefined;
      case 'keyValue': {
        const top = stack[stack.length - 1]!;
        if (top.count > 0) parts.push(',');
        top.count++;
        parts.push(JSON.stringify(token.value), ':');
        this.size += token.value.length;
        return undefined;
      }
      case 'stringValue':
      case 'numberValue':
      case 'nullValue':
      case 'trueValue':
      case 'falseValue':
        this.beforeValue();
        parts.push(
          token.name === 'stringValue'
            ? JSON.stringify(token.value)
            : token.name === 'numberValue'
              ? token.value
              : String(token.value),
        );
        this.size += typeof token.value === 'string' ? token.value.length : 5;
        return stack.length === 0 ? 'elementDone' : undefined;
      default:
        return undefined;
    }
  }

  /** Before a value: a comma if it is not the first item of an array (object values follow their key). */
  private beforeValue(): void {
    const top = this.stack[this.stack.length - 1];
    if (top && !top.isObject) {
      if (top.count > 0) this.parts.push(',');
      top.count++;
    }
  }
}

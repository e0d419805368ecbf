// The published file is one JSON array of day objects in date order. Each stored week holds its days as a raw
// JSON array; the file is those arrays' contents joined by commas, so no day is ever re-serialised. It works on
// the weeks' bytes: the text is never decoded to a string and encoded back.

/** JSON's insignificant whitespace. */
const isSpace = (b: number) => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** A week's raw `[ {...}, {...} ]` bytes without its outer brackets (empty for an empty array); no copy. */
export function arrayInner(daysJson: Buffer): Buffer {
  let start = 0;
  let end = daysJson.length;
  while (start < end && isSpace(daysJson[start]!)) start++;
  while (end > start && isSpace(daysJson[end - 1]!)) end--;
  if (end - start < 2 || daysJson[start] !== 0x5b || daysJson[end - 1] !== 0x5d)
    throw new Error('stored week is not a JSON array: refusing to publish it');
  start++;
  end--;
  while (start < end && isSpace(daysJson[start]!)) start++;
  while (end > start && isSpace(daysJson[end - 1]!)) end--;
  return daysJson.subarray(start, end);
}

const OPEN = Buffer.from('[');
const COMMA = Buffer.from(',');
const CLOSE = Buffer.from(']');

/**
 * Streams `[` week1 `,` week2 … `]` from week arrays given oldest first. Empty weeks add nothing, so the output
 * is always a valid JSON array.
 */
export async function* assembleDaysArray(weekArrays: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield OPEN;
  let first = true;
  for await (const daysJson of weekArrays) {
    const inner = arrayInner(daysJson);
    if (!inner.length) continue;
    if (!first) yield COMMA;
    yield inner;
    first = false;
  }
  yield CLOSE;
}

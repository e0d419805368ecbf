// The published file is one JSON array of day objects in date order. Each stored week holds its days as a raw
// JSON array; the file is those arrays' contents joined by commas, so no day is ever re-serialised.

/** A week's raw `[ {...}, {...} ]` text without its outer brackets ('' for an empty array). */
export function arrayInner(daysJson: string): string {
  const text = daysJson.trim();
  if (!text.startsWith('[') || !text.endsWith(']'))
    throw new Error('stored week is not a JSON array: refusing to publish it');
  return text.slice(1, -1).trim();
}

/**
 * Streams `[` week1 `,` week2 … `]` from week arrays given oldest first. Empty weeks add nothing, so the output
 * is always a valid JSON array.
 */
export async function* assembleDaysArray(weekArrays: AsyncIterable<string>): AsyncGenerator<Buffer> {
  yield Buffer.from('[');
  let first = true;
  for await (const daysJson of weekArrays) {
    const inner = arrayInner(daysJson);
    if (!inner) continue;
    yield Buffer.from(first ? inner : `,${inner}`);
    first = false;
  }
  yield Buffer.from(']');
}

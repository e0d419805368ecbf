// Python's `json.dumps(obj)` with its defaults, byte for byte where it matters for a size: separators ", " and
// ": ", and ensure_ascii (DEL and every non-ASCII character written as \uXXXX). The original app wrote its file this way,
// so its upload sizes are only comparable when our replay writes the same bytes.
export function pythonJsonDumps(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return JSON.stringify(value);
  if (typeof value === 'string') return asciiOnly(JSON.stringify(value));
  if (Array.isArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  const entries = Object.entries(value as Record<string, unknown>).map(
    ([k, v]) => `${asciiOnly(JSON.stringify(k))}: ${pythonJsonDumps(v)}`,
  );
  return `{${entries.join(', ')}}`;
}

// JSON.stringify leaves non-ASCII as is; Python escapes each UTF-16 unit.
const asciiOnly = (json: string) =>
  json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

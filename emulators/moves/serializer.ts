// Compact JSON the way the Moves servers wrote it: no whitespace, keys in insertion (= documented) order,
// `duration`/`distance` always with a decimal point (`2400.0`), 64-bit ids (bigint) as bare digits.
const DECIMAL_KEYS = new Set(['duration', 'distance']);

function num(n: number, decimal: boolean): string {
  if (!Number.isFinite(n)) return 'null';
  const s = JSON.stringify(n);
  return decimal && Number.isInteger(n) && !s.includes('e') ? `${s}.0` : s;
}

function write(value: unknown, key: string, out: string[]): void {
  if (value === null) {
    out.push('null');
  } else if (typeof value === 'number') {
    out.push(num(value, DECIMAL_KEYS.has(key)));
  } else if (typeof value === 'bigint') {
    out.push(value.toString());
  } else if (typeof value === 'string' || typeof value === 'boolean') {
    out.push(JSON.stringify(value));
  } else if (Array.isArray(value)) {
    out.push('[');
    for (let i = 0; i < value.length; i++) {
      if (i > 0) out.push(',');
      write(value[i], '', out);
    }
    out.push(']');
  } else if (typeof value === 'object') {
    out.push('{');
    let first = true;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || typeof v === 'function') continue;
      if (!first) out.push(',');
      first = false;
      out.push(JSON.stringify(k), ':');
      write(v, k, out);
    }
    out.push('}');
  } else {
    out.push('null');
  }
}

export function toMovesJson(value: unknown): string {
  const out: string[] = [];
  write(value, '', out);
  return out.join('');
}

/**
 * The export archive's flavour (§7): Jackson's default pretty printer. Objects break onto lines with a 2-space
 * indent and `"key" : value`; arrays stay on the line (`[ {`, `}, {`, `} ]`, `[ ]`). Numbers as toMovesJson.
 */
export function toExportJson(value: unknown): string {
  const out: string[] = [];
  writePretty(value, '', 0, out);
  return out.join('');
}

function writePretty(value: unknown, key: string, level: number, out: string[]): void {
  if (Array.isArray(value)) {
    if (value.length === 0) return void out.push('[ ]');
    out.push('[ ');
    value.forEach((v, i) => {
      if (i > 0) out.push(', ');
      writePretty(v, '', level, out);
    });
    out.push(' ]');
  } else if (value !== null && typeof value === 'object' && typeof value !== 'bigint') {
    const fields = Object.entries(value).filter(([, v]) => v !== undefined && typeof v !== 'function');
    if (fields.length === 0) return void out.push('{ }');
    const pad = '  '.repeat(level + 1);
    out.push('{');
    fields.forEach(([k, v], i) => {
      out.push(i > 0 ? ',\n' : '\n', pad, JSON.stringify(k), ' : ');
      writePretty(v, k, level + 1, out);
    });
    out.push('\n', '  '.repeat(level), '}');
  } else write(value, key, out);
}

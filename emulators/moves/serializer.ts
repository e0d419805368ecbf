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

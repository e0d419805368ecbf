// DRF's LimitOffsetPagination (default 100, no max): next/previous are the request URL with its query
// re-encoded in sorted order (replace_query_param / remove_query_param).
import { pythonUrlencode } from './python-urlencode.ts';

export const DEFAULT_LIMIT = 100;

export interface Page<T> {
  count: number;
  next: string | null;
  previous: string | null;
  results: T[];
}

function positiveInt(raw: string | undefined, strict: boolean): number | undefined {
  if (raw === undefined || !/^\s*[+-]?\d+\s*$/.test(raw)) return undefined;
  const n = Number.parseInt(raw, 10);
  if (n < 0 || (strict && n === 0) || !Number.isSafeInteger(n)) return undefined;
  return n;
}

/** parse_qs(keep_blank_values=True) as ordered lists per key. */
function parseQuery(query: string): Map<string, string[]> {
  const map = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(query)) {
    const list = map.get(k) ?? [];
    list.push(v);
    map.set(k, list);
  }
  return map;
}

function build(base: string, path: string, params: Map<string, string[]>): string {
  const pairs: [string, string][] = [];
  for (const key of [...params.keys()].sort()) for (const v of params.get(key) ?? []) pairs.push([key, v]);
  const q = pythonUrlencode(pairs);
  return `${base}${path}${q ? `?${q}` : ''}`;
}

export function paginate<T>(base: string, requestUrl: string, items: T[]): Page<T> {
  const [path = '/', query = ''] = requestUrl.split('?', 2);
  const params = parseQuery(query);
  const limit = positiveInt(params.get('limit')?.at(-1), true) ?? DEFAULT_LIMIT;
  const offset = positiveInt(params.get('offset')?.at(-1), false) ?? 0;
  const count = items.length;
  const results = count === 0 || offset > count ? [] : items.slice(offset, offset + limit);
  let next: string | null = null;
  if (offset + limit < count) {
    const p = new Map(params);
    p.set('limit', [String(limit)]);
    p.set('offset', [String(offset + limit)]);
    next = build(base, path, p);
  }
  let previous: string | null = null;
  if (offset > 0) {
    const p = new Map(params);
    p.set('limit', [String(limit)]);
    if (offset - limit <= 0) p.delete('offset');
    else p.set('offset', [String(offset - limit)]);
    previous = build(base, path, p);
  }
  return { count, next, previous, results };
}

// The checks of OH's Django forms (private_sharing/forms.py), as pure functions with the exact error texts.
import { DateTime } from 'luxon';

export type Check<T> = { ok: true; value: T } | { ok: false; error: string };

export const REQUIRED = 'This field is required.';

/** UploadDataFileBaseForm.clean_metadata. */
export function validateMetadata(raw: unknown): Check<Record<string, unknown>> {
  if (typeof raw !== 'string' || raw.trim() === '') {
    if (raw === undefined || raw === null || raw === '') return { ok: false, error: REQUIRED };
    return { ok: false, error: 'could not parse the uploaded metadata' };
  }
  let metadata: unknown;
  try {
    metadata = JSON.parse(raw);
  } catch {
    return { ok: false, error: 'could not parse the uploaded metadata' };
  }
  // A JSON list passes json.loads, and `"description" in []` is False in Python.
  if (Array.isArray(metadata))
    return { ok: false, error: '"description" is a required field of the metadata' };
  if (metadata === null || typeof metadata !== 'object') {
    return { ok: false, error: 'could not parse the uploaded metadata' };
  }
  const m = metadata as Record<string, unknown>;
  if (!('description' in m)) return { ok: false, error: '"description" is a required field of the metadata' };
  if (typeof m.description !== 'string') return { ok: false, error: '"description" must be a string' };
  if (!('tags' in m)) return { ok: false, error: '"tags" is a required field of the metadata' };
  if (!Array.isArray(m.tags)) return { ok: false, error: '"tags" must be an array of strings' };
  for (const key of ['creation_date', 'start_date', 'end_date']) {
    if (key in m && !isIso8601(m[key])) return { ok: false, error: 'Dates must be in ISO 8601 format' };
  }
  // re.match(r"[a-z0-9]{32}", md5, re.I): anchored at the start only.
  if ('md5' in m && !(typeof m.md5 === 'string' && /^[a-z0-9]{32}/i.test(m.md5))) {
    return { ok: false, error: 'Invalid MD5 specified' };
  }
  return { ok: true, value: m };
}

/** arrow.get() accepts ISO 8601 strings (T or space separator) and numeric timestamps. */
function isIso8601(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'string' || !/^\d{4}/.test(value)) return false;
  return DateTime.fromISO(value.replace(' ', 'T'), { setZone: true }).isValid;
}

/** The catalogue and the project as clean_datatypes sees them. */
export interface DatatypeContext {
  byId(id: number): { id: number } | undefined;
  byName(name: string): { id: number } | undefined;
  registered: readonly number[];
  autoAdd: boolean;
}

/**
 * UploadDataFileBaseForm.clean_datatypes (private_sharing/forms.py): omitted or empty → the project's registered
 * types with auto_add_datatypes, else none; otherwise a JSON list read as ids when every item is a whole number,
 * else as names (case-insensitive). Unknown items are refused first ("don't match"), then ones the project did
 * not register ("aren't registered"). Returns data type ids.
 */
export function validateDatatypes(raw: unknown, dt: DatatypeContext): Check<number[]> {
  if (raw === undefined || raw === null || raw === '')
    return { ok: true, value: dt.autoAdd ? [...dt.registered] : [] };
  let list: unknown = raw;
  if (typeof raw === 'string') {
    try {
      list = JSON.parse(raw);
    } catch {
      return { ok: false, error: `Could not parse the uploaded datatypes from: '${raw}'` };
    }
  }
  if (!Array.isArray(list))
    return { ok: false, error: `Could not parse the uploaded datatypes from: '${String(raw)}'` };
  const items = [...new Set(list as unknown[])];
  const asIds = items.every(
    (i) => typeof i === 'number' || (typeof i === 'string' && /^\s*[+-]?\d+\s*$/.test(i)),
  );
  const ids: number[] = [];
  const unmatched: unknown[] = [];
  const unregistered: unknown[] = [];
  for (const item of items) {
    const found = asIds ? dt.byId(Math.trunc(Number(item))) : dt.byName(String(item));
    if (!found) unmatched.push(item);
    else if (!dt.registered.includes(found.id)) unregistered.push(item);
    else if (!ids.includes(found.id)) ids.push(found.id);
  }
  if (unmatched.length > 0)
    return {
      ok: false,
      error: `The following datatypes don't match items in our database: [${unmatched.map(pythonRepr).join(', ')}]`,
    };
  if (unregistered.length > 0)
    return {
      ok: false,
      error: `The following datatypes aren't registered for this project: [${unregistered.map(pythonRepr).join(', ')}]`,
    };
  return { ok: true, value: ids };
}

function pythonRepr(v: unknown): string {
  if (typeof v === 'string') return `'${v.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
  if (typeof v === 'number') return String(v);
  return String(JSON.stringify(v));
}

/** Django IntegerField. */
export function integerField(raw: unknown): Check<number> | undefined {
  if (raw === undefined || raw === null || raw === '') return undefined;
  if (typeof raw === 'number' && Number.isSafeInteger(raw)) return { ok: true, value: raw };
  const s = typeof raw === 'string' ? raw.trim() : '';
  if (!/^[+-]?\d{1,15}$/.test(s)) return { ok: false, error: 'Enter a whole number.' };
  return { ok: true, value: Number.parseInt(s, 10) };
}

/** Django BooleanField: these strings mean False, anything else given means True. */
export function booleanField(raw: unknown): boolean {
  if (raw === undefined || raw === null || raw === false || raw === 0) return false;
  if (typeof raw === 'string') return !['', 'false', 'False', '0'].includes(raw);
  return Boolean(raw);
}

/** Lists of project member ids: a JSON array, or one string split on commas, spaces and newlines. */
export function idList(raw: unknown): string[] {
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw.map((x) => String(x)).filter((x) => x !== '');
  return String(raw)
    .split(/[\s,]+/)
    .filter((x) => x !== '');
}

/** The messages and remove-members forms' project_member_ids checks. */
export function validateMemberIds(ids: string[], isActive: (id: string) => boolean): string | undefined {
  if (ids.some((id) => !/^\d{8}$/.test(id))) return 'Project member IDs are always 8 digits long.';
  const invalid = ids.filter((id) => !isActive(id));
  if (invalid.length > 0) return `Invalid project member ID(s): ${invalid.join(', ')}`;
  return undefined;
}

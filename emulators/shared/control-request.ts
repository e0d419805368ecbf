// One HTTP call to an emulator's /_control API, shared by the Moves and Open Humans control clients: JSON in,
// JSON out, a clear Error on any answer that is not 2xx.

/**
 * GET `path` (no body) or POST it with a JSON body, and parse the JSON answer. Moves user ids exceed 2^53, so
 * `userId`/`user_id` numbers are read as text, never through a JS number.
 */
export async function controlRequest<T>(base: string, path: string, body?: unknown): Promise<T> {
  const res = await controlFetch(base, path, body);
  const text = await res.text();
  return JSON.parse(text.replace(/"(userId|user_id)":(\d+)/g, '"$1":"$2"')) as T;
}

/** The raw answer (for binary ones such as an export archive); non-2xx throws with the start of the body. */
export async function controlFetch(base: string, path: string, body?: unknown): Promise<Response> {
  const res = await fetch(`${base}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    ...(body === undefined
      ? {}
      : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  if (!res.ok) {
    const text = await res.text();
    throw new Error(`emulator control ${path}: HTTP ${res.status} ${text.slice(0, 300)}`);
  }
  return res;
}

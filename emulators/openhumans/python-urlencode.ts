// Python's urllib.parse.urlencode (quote_plus): what DRF's pagination links and oauthlib's redirects use.
export function quotePlus(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

export function pythonUrlencode(pairs: [string, string][]): string {
  return pairs.map(([k, v]) => `${quotePlus(k)}=${quotePlus(v)}`).join('&');
}

/** oauthlib's add_params_to_uri: appends to an existing query string. */
export function addParamsToUri(uri: string, pairs: [string, string][]): string {
  const [beforeFragment = '', fragment] = uri.split('#', 2);
  const sep = beforeFragment.includes('?')
    ? beforeFragment.endsWith('?') || beforeFragment.endsWith('&')
      ? ''
      : '&'
    : '?';
  return `${beforeFragment}${sep}${pythonUrlencode(pairs)}${fragment !== undefined ? `#${fragment}` : ''}`;
}

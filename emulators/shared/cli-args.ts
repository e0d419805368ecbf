// The command-line options both emulators take (--host, --time-scale, besides --port) and their checks, so
// `oh-moves emulator moves` and `oh-moves emulator openhumans` accept and refuse these values the same way.

/** parseArgs option specs for the options every emulator CLI has; each emulator adds its own. */
export const COMMON_EMULATOR_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'time-scale': { type: 'string' },
} as const;

/** `--host` and `--time-scale` from parseArgs values; throws a clear Error on a bad value. */
export function parseCommonEmulatorArgs(values: { host?: string; 'time-scale'?: string }): {
  host?: string;
  timeScale?: number;
} {
  const opts: { host?: string; timeScale?: number } = {};
  if (values.host !== undefined) {
    if (values.host.trim() === '') throw new Error('--host must not be empty');
    opts.host = values.host;
  }
  const timeScale = parsePositive('time-scale', values['time-scale'], false);
  if (timeScale !== undefined) opts.timeScale = timeScale;
  return opts;
}

/** A positive number (or integer) option; undefined when absent, a clear Error when not positive. */
export function parsePositive(name: string, raw: string | undefined, integer: boolean): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new Error(`--${name} must be a positive ${integer ? 'integer' : 'number'}, got "${raw}"`);
  }
  return n;
}

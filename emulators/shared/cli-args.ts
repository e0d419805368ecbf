// The command-line options both emulators take (--port, --host, --time-scale, --state-file) and their checks, so
// `oh-moves emulator moves` and `oh-moves emulator openhumans` accept and refuse these values the same way.

/** parseArgs option specs for the options every emulator CLI has; each emulator adds its own. */
export const COMMON_EMULATOR_OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'time-scale': { type: 'string' },
  'state-file': { type: 'string' },
} as const;

/**
 * A TCP port as typed: one to five digits, at most 65535 (0 = any free port). Longer spellings such as
 * "000008001" are refused rather than read as 8001. `name` is how the error names the option or variable.
 */
export function parsePort(name: string, raw: string): number {
  if (!/^\d{1,5}$/.test(raw.trim()) || Number(raw) > 65535)
    throw new Error(`${name} must be a port number from 0 to 65535 (0 = any free port), got "${raw}"`);
  return Number(raw);
}

interface CommonEmulatorOptions {
  port?: number;
  host?: string;
  timeScale?: number;
  stateFile?: string;
}

/** `--port`, `--host`, `--time-scale` and `--state-file` from parseArgs values; a clear Error on a bad value. */
export function parseCommonEmulatorArgs(values: {
  port?: string;
  host?: string;
  'time-scale'?: string;
  'state-file'?: string;
}): CommonEmulatorOptions {
  const opts: CommonEmulatorOptions = {};
  if (values.port !== undefined) opts.port = parsePort('--port', values.port);
  if (values.host !== undefined) {
    if (values.host.trim() === '') throw new Error('--host must not be empty');
    opts.host = values.host;
  }
  const timeScale = parsePositive('time-scale', values['time-scale'], false);
  if (timeScale !== undefined) opts.timeScale = timeScale;
  if (values['state-file'] !== undefined) {
    if (values['state-file'].trim() === '') throw new Error('--state-file must not be empty');
    opts.stateFile = values['state-file'];
  }
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

/** @module log: the server's own log — logrus-style text (Velero's default) or JSON lines, with levels and fields. */

export const LEVELS = ['debug', 'info', 'warning', 'error'] as const;
export type Level = (typeof LEVELS)[number];
export type Fields = Record<string, string | number | boolean | undefined>;

export interface LoggerOptions {
  level?: Level;
  format?: 'text' | 'json';
  write?: (line: string) => void;
  now?: () => Date;
}

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  /** A logger that adds these fields to every line (e.g. controller=backup). */
  child(fields: Fields): Logger;
  enabled(level: Level): boolean;
}

/** Velero spells the level `warning`; `warn` is accepted as an alias on the command line. */
export function parseLevel(value: string): Level {
  const v = value === 'warn' ? 'warning' : value;
  if ((LEVELS as readonly string[]).includes(v)) return v as Level;
  if (['trace'].includes(v)) return 'debug';
  if (['fatal', 'panic'].includes(v)) return 'error';
  throw new Error(`--log-level: "${value}" is not one of ${[...LEVELS, 'trace', 'fatal', 'panic'].join(', ')}`);
}

export function createLogger(opts: LoggerOptions = {}, base: Fields = {}): Logger {
  const min = LEVELS.indexOf(opts.level ?? 'info');
  const write = opts.write ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const emit = (level: Level, msg: string, fields: Fields = {}): void => {
    if (LEVELS.indexOf(level) < min) return;
    const time = (opts.now?.() ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z');
    const all = { ...base, ...fields };
    if (opts.format === 'json') {
      write(JSON.stringify({ level, msg, time, ...Object.fromEntries(Object.entries(all).filter(([, v]) => v !== undefined)) }));
      return;
    }
    const extra = Object.entries(all)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${quote(String(v))}`)
      .join(' ');
    write(`time="${time}" level=${level} msg=${quote(msg)}${extra ? ` ${extra}` : ''}`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warning', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger(opts, { ...base, ...fields }),
    enabled: (level) => LEVELS.indexOf(level) >= min,
  };
}

/** A logger that drops everything (tests, libraries used without a server). */
export const silentLogger: Logger = createLogger({ write: () => undefined });

function quote(v: string): string {
  return /^[\w./:@-]+$/.test(v) ? v : JSON.stringify(v);
}

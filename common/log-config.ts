import { ContainerError } from './errors';

/**
 * A container's log bound, Docker's json-file options: `max-size` (Docker's units.FromHumanSize: decimal,
 * 10m = 10 000 000 bytes) and `max-file` (files kept, the live one included). Docker's json-file grows without
 * bound unless told; ours has a project default, so a chatty container cannot fill the disk: an option left
 * out takes DEFAULT_LOG_BOUND's value. Pure: workflow code may import it.
 */

/** What a container's log may hold unless --log-opt says otherwise: 5 files of 20m (20 000 000 bytes). */
export const DEFAULT_LOG_BOUND = { maxSize: 20_000_000, maxFile: 5 } as const;

/** The only log driver there is: the container's output goes to container.log. */
export const LOG_DRIVER = 'json-file';

/** Docker's HostConfig.LogConfig. */
export interface LogConfig {
  Type: string;
  Config: Record<string, string>;
}

/** Options json-file accepts (Docker's jsonfilelog.ValidateLogOpt); only max-size and max-file act here. */
const KNOWN = ['max-file', 'max-size', 'compress', 'labels', 'labels-regex', 'env', 'env-regex', 'tag'];

/** Docker's units.FromHumanSize: `10m`, `1.5 GB`, `512k`; decimal multiples. */
export function parseHumanSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp])?i?b?$/i.exec(text);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * 1000 ** ('kmgtp'.indexOf((m[2] ?? ' ').toLowerCase()) + 1));
}

/**
 * The bound a LogConfig sets, or Docker's error for it (InvalidParameter, 400): an unknown driver or option,
 * a size that is not one, max-size ≤ 0, max-file < 1. A record without a LogConfig has the default bound.
 */
export function logBound(cfg: LogConfig | undefined): { maxSize: number; maxFile: number } {
  if (!cfg) return { ...DEFAULT_LOG_BOUND };
  const bad = (message: string): never => {
    throw new ContainerError('InvalidParameter', message);
  };
  if (cfg.Type !== LOG_DRIVER) bad(`logger: no log driver named '${cfg.Type}' is registered`);
  for (const key of Object.keys(cfg.Config))
    if (!KNOWN.includes(key)) bad(`unknown log opt '${key}' for json-file log driver`);
  let maxSize: number = DEFAULT_LOG_BOUND.maxSize;
  const size = cfg.Config['max-size'];
  if (size !== undefined) {
    maxSize = parseHumanSize(size) ?? bad(`invalid size: '${size}'`);
    if (maxSize <= 0) bad('max-size must be a positive number');
  }
  let maxFile: number = DEFAULT_LOG_BOUND.maxFile;
  const files = cfg.Config['max-file'];
  if (files !== undefined) {
    if (!/^[+-]?\d+$/.test(files)) bad(`strconv.Atoi: parsing "${files}": invalid syntax`);
    maxFile = Number(files);
    if (maxFile < 1) bad('max-file cannot be less than 1');
  }
  return { maxSize, maxFile };
}

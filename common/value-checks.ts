import { ContainerError } from './errors';

/**
 * The building blocks of the input checks (common/input-check.ts): each checks one value at a dotted path
 * into the input and throws Docker's InvalidParameter (400) naming it. Deterministic and Node-free.
 */

/** Checks one value at `path` (a dotted path into the input, for the message); throws InvalidParameter. */
export type Check = (v: unknown, path: string) => void;

export const invalid = (path: string, what: string) =>
  new ContainerError('InvalidParameter', `invalid input: ${path}: ${what}`);

export const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** A UTF-16 surrogate without its pair: JSON can carry it (`"\ud800"`), UTF-8 (protobuf strings) cannot. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `s` with each lone surrogate replaced by U+FFFD. A failure message that echoes one would crash the worker:
 * the SDK encodes completions as protobuf, whose strings must be UTF-8, and the core refuses the whole
 * completion ("Cannot decode Completion from buffer: InvalidString"), which fails the worker.
 */
export function wellFormed(s: string): string {
  return s.replace(LONE_SURROGATE, '\ufffd');
}

export const str: Check = (v, path) => {
  if (typeof v !== 'string') throw invalid(path, 'want a string');
  if (v.includes('\0')) throw invalid(path, 'NUL byte in a string');
  if (wellFormed(v) !== v) throw invalid(path, 'a lone UTF-16 surrogate (not Unicode text)');
};

/** A field name as a message shows it: plain names as they are, anything else quoted (escapes and all). */
export const field = (path: string, name: string) => {
  const shown = /^[A-Za-z0-9_.:/-]+$/.test(name) ? name : JSON.stringify(name);
  return path ? `${path}.${shown}` : shown;
};

export const bool: Check = (v, path) => {
  if (typeof v !== 'boolean') throw invalid(path, 'want true or false');
};

/** An integer JSON number (Go's int64 fields, within what JavaScript counts exactly), at least `min`. */
export const int =
  (min = Number.MIN_SAFE_INTEGER): Check =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw invalid(path, 'want an integer');
    if (v < min) throw invalid(path, `want an integer of at least ${min}`);
  };

/** A finite number of at least 0 (times in ms since the epoch may carry fractions). */
export const nonNegative: Check = (v, path) => {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw invalid(path, 'want a number of at least 0');
};

export const list =
  (item: Check): Check =>
  (v, path) => {
    if (!Array.isArray(v)) throw invalid(path, 'want an array');
    v.forEach((x, i) => item(x, `${path}[${i}]`));
  };

/** An object of `item` values (labels, tmpfs options): its keys are strings too, so NUL-free as well. */
export const map =
  (item: Check): Check =>
  (v, path) => {
    if (!isObject(v)) throw invalid(path, 'want an object');
    for (const [k, x] of Object.entries(v)) {
      str(k, `${field(path, k)} (a key)`);
      item(x, field(path, k));
    }
  };

export const oneOf =
  (...values: readonly string[]): Check =>
  (v, path) => {
    if (typeof v !== 'string' || !values.includes(v)) throw invalid(path, `want one of ${values.join(', ')}`);
  };

/**
 * A field: its check, and whether it may be left out (absent; `null` is not absent: JSON clients send it by mistake).
 */
export interface Field {
  check: Check;
  optional?: true;
}
export const req = (check: Check): Field => ({ check });
export const opt = (check: Check): Field => ({ check, optional: true });

/**
 * An object with these fields. `strict`: a field not listed is refused — for what gets stored in a record
 * (the create request, a hostConfig), where an unknown field would be kept as it is; elsewhere unknown fields
 * are ignored, as the workflow ignores them.
 */
export function obj(fields: Readonly<Record<string, Field>>, strict = false): Check {
  return (v, path) => {
    if (!isObject(v)) throw invalid(path, 'want an object');
    for (const [name, f] of Object.entries(fields)) {
      const at = path ? `${path}.${name}` : name;
      if (!Object.hasOwn(v, name) || v[name] === undefined) {
        if (!f.optional) throw invalid(at, 'missing');
        continue;
      }
      f.check(v[name], at);
    }
    if (strict) {
      for (const name of Object.keys(v))
        if (!Object.hasOwn(fields, name)) throw invalid(field(path, name), 'unknown field');
    }
  };
}

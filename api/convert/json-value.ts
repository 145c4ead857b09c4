import { badRequest } from '../http';

/**
 * Reading a decoded JSON body the way Docker's Go structs take it: `null` is the zero value, a StrSlice is
 * a string or an array of strings, and a value of the wrong type is a 400 naming the field (`path`).
 */

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Go's zero value, as a client sends a field it does not set: null, false, 0, "", an empty array, or an
 * object whose every value is zero ({} and {"Type": "", "Config": {}} alike).
 */
export function isZero(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  if (Array.isArray(v)) return v.length === 0;
  if (isPlainObject(v)) return Object.values(v).every(isZero);
  return false;
}

const want = (path: string, what: string) => badRequest(`invalid ${path}: want ${what}`);

export function optString(v: unknown, path: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw want(path, 'a string');
  return v;
}

export function optBool(v: unknown, path: string): boolean | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw want(path, 'true or false');
  return v;
}

/** A JSON integer (Go's int64 fields), within JavaScript's exact range. */
export function optInt(v: unknown, path: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw want(path, 'an integer');
  return v;
}

export function optStringList(v: unknown, path: string): string[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw want(path, 'an array of strings');
  return v as string[];
}

/** Docker's StrSlice (Cmd, Entrypoint): a string is a one-element list. */
export function optStrSlice(v: unknown, path: string): string[] | undefined {
  if (typeof v === 'string') return [v];
  return optStringList(v, path);
}

export function optStringMap(v: unknown, path: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v) || !Object.values(v).every((x) => typeof x === 'string'))
    throw want(path, 'an object of strings');
  return v as Record<string, string>;
}

export function optObject(v: unknown, path: string): Record<string, unknown> | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw want(path, 'an object');
  return v;
}

import { readFileSync } from 'node:fs';
import { usageError } from './errors';

/** Reads a file's text (injected so parseCreate's tests need no files). */
export type ReadText = (path: string) => string;

export const readText: ReadText = (p) => readFileSync(p, 'utf8');

/** JSON text without the whitespace outside strings (Go's json.Compact): numbers and strings stay as written. */
export function compactJson(text: string): string {
  JSON.parse(text); // throws on malformed JSON
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (inString) {
      out += ch;
      if (ch === '\\') out += text[++i] ?? '';
      else if (ch === '"') inString = false;
    } else if (ch === '"') {
      inString = true;
      out += ch;
    } else if (!/\s/.test(ch)) out += ch;
  }
  return out;
}

/**
 * The docker CLI's parseSecurityOpts: `seccomp=<file>` (any value but `unconfined` and `builtin`) is replaced
 * by `seccomp=<the file's JSON, compacted>`, so the daemon gets the profile and never reads the client's
 * files. An unreadable file or malformed JSON fails here, with Docker's message, before anything is sent.
 */
export function inlineSeccompProfiles(opts: readonly string[], read: ReadText = readText): string[] {
  return opts.map((opt) => {
    let sep = opt.indexOf('=');
    if (sep < 0 && opt !== 'no-new-privileges') sep = opt.indexOf(':');
    if (sep < 0 || opt.slice(0, sep) !== 'seccomp') return opt;
    const value = opt.slice(sep + 1);
    if (value === '' || value === 'unconfined' || value === 'builtin') return opt;
    let text: string;
    try {
      text = read(value);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      const why =
        e.code === 'ENOENT'
          ? 'no such file or directory'
          : e.code === 'EACCES'
            ? 'permission denied'
            : e.code === 'EISDIR'
              ? 'is a directory'
              : e.message;
      throw usageError(`opening seccomp profile (${value}) failed: open ${value}: ${why}`, 'create');
    }
    try {
      return `seccomp=${compactJson(text)}`;
    } catch (err) {
      throw usageError(`compacting json for seccomp profile (${value}) failed: ${(err as Error).message}`, 'create');
    }
  });
}

import { usageError } from './errors';

/**
 * The part of Go's text/template that `docker inspect --format` is mostly used with, over a JSON value:
 * `{{.Field.Sub}}`, `{{.}}`, `{{json .Field}}`, and literal text around them. Values print as Go prints
 * them: strings bare, numbers and booleans as text, maps and arrays as JSON (Go would print map[...]).
 * Anything else is a usage error naming the action, before any container is read.
 */
export type Template = (value: unknown) => string;

export function compileTemplate(source: string): Template {
  const parts: Array<string | ((v: unknown) => string)> = [];
  let rest = source.replace(/\\n/g, '\n').replace(/\\t/g, '\t');
  for (;;) {
    const open = rest.indexOf('{{');
    if (open < 0) {
      parts.push(rest);
      break;
    }
    const close = rest.indexOf('}}', open);
    if (close < 0) throw usageError(`template parsing error: unclosed action in ${JSON.stringify(source)}`, 'inspect');
    parts.push(rest.slice(0, open));
    parts.push(
      action(
        rest
          .slice(open + 2, close)
          .trim()
          .replace(/^-\s*|\s*-$/g, ''),
      ),
    );
    rest = rest.slice(close + 2);
  }
  return (value) => parts.map((p) => (typeof p === 'string' ? p : p(value))).join('');
}

function action(text: string): (v: unknown) => string {
  const words = text.split(/\s+/);
  if (words.length === 1 && isPath(words[0]!)) return (v) => show(lookup(v, words[0]!));
  if (words.length === 2 && words[0] === 'json' && isPath(words[1]!))
    return (v) => JSON.stringify(lookup(v, words[1]!) ?? null);
  throw usageError(
    `template parsing error: unsupported action {{${text}}} (supported: {{.Field.Sub}}, {{json .Field}})`,
    'inspect',
  );
}

const isPath = (p: string) => /^\.(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$/.test(p);

function lookup(v: unknown, path: string): unknown {
  let cur = v;
  for (const key of path.split('.').filter(Boolean)) {
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[key] : undefined;
  }
  return cur;
}

function show(v: unknown): string {
  if (v === undefined || v === null) return '<no value>';
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

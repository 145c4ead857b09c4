import { ContainerError } from './errors';
import type { ImageRunConfig } from './image-config';

/**
 * `docker commit --change`: Dockerfile instructions applied to the new image's config, as Docker's
 * dockerfile.BuildFromConfig takes them (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, WORKDIR, VOLUME, STOPSIGNAL).
 * Pure and workflow-safe: the host runs it, the unit tests table it.
 */
const VALID = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'LABEL', 'USER', 'WORKDIR', 'VOLUME', 'STOPSIGNAL'];

const invalid = (msg: string) => new ContainerError('InvalidParameter', msg, { retryable: false });

/** Words split on blanks, double and single quotes grouping (quotes dropped), `\` escaping the next character. */
export function splitWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let any = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && quote !== "'" && i + 1 < s.length) {
      cur += s[++i];
      any = true;
    } else if (quote) {
      if (c === quote) quote = undefined;
      else cur += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      any = true;
    } else if (/\s/.test(c)) {
      if (any) out.push(cur);
      cur = '';
      any = false;
    } else {
      cur += c;
      any = true;
    }
  }
  if (quote) throw invalid(`unterminated quote in ${JSON.stringify(s)}`);
  if (any) out.push(cur);
  return out;
}

/** The JSON array form (`["a","b"]`), else undefined (then the shell form). */
function jsonForm(rest: string): string[] | undefined {
  if (!rest.startsWith('[')) return undefined;
  try {
    const v = JSON.parse(rest) as unknown;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // the shell form, as Docker's parser falls back to
  }
  return undefined;
}

/** KEY=VALUE pairs (ENV, LABEL), or the legacy `KEY VALUE` form. */
function pairs(instr: string, rest: string): [string, string][] {
  const words = splitWords(rest);
  if (words.length === 0) throw invalid(`${instr} requires at least one argument`);
  if (!words[0]!.includes('=')) {
    const [key, ...value] = rest.trim().split(/\s+/);
    if (value.length === 0) throw invalid(`${instr} must have two arguments`);
    return [[key!, splitWords(rest.trim().slice(key!.length)).join(' ')]];
  }
  return words.map((w) => {
    const at = w.indexOf('=');
    if (at <= 0) throw invalid(`${instr} names can not be blank`);
    return [w.slice(0, at), w.slice(at + 1)];
  });
}

const withPort = (p: string) => {
  if (!/^\d+(-\d+)?(\/(tcp|udp|sctp))?$/i.test(p)) throw invalid(`invalid containerPort: ${p}`);
  return p.includes('/') ? p.toLowerCase() : `${p}/tcp`;
};

/** Applies one instruction to a copy of `config`. */
export function applyChange(config: ImageRunConfig, line: string): ImageRunConfig {
  const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(line);
  if (!m) return config;
  const instr = m[1]!.toUpperCase();
  const rest = m[2]!.trim();
  if (!VALID.includes(instr)) throw invalid(`${m[1]!.toLowerCase()} is not a valid change command`);
  const c: ImageRunConfig = { ...config };
  const command = () => jsonForm(rest) ?? [...(c.Shell ?? ['/bin/sh', '-c']), rest];
  switch (instr) {
    case 'CMD':
      c.Cmd = command();
      break;
    case 'ENTRYPOINT':
      c.Entrypoint = rest === '' ? null : command();
      break;
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of pairs(instr, rest)) {
        const at = env.findIndex((e) => e.split('=')[0] === k);
        if (at >= 0) env[at] = `${k}=${v}`;
        else env.push(`${k}=${v}`);
      }
      c.Env = env;
      break;
    }
    case 'LABEL':
      c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(instr, rest)) };
      break;
    case 'EXPOSE': {
      const ports = splitWords(rest);
      if (ports.length === 0) throw invalid('EXPOSE requires at least one argument');
      c.ExposedPorts = { ...(c.ExposedPorts ?? {}), ...Object.fromEntries(ports.map((p) => [withPort(p), {}])) };
      break;
    }
    case 'VOLUME': {
      const vols = jsonForm(rest) ?? splitWords(rest);
      if (vols.length === 0 || vols.some((v) => v.trim() === ''))
        throw invalid('VOLUME specified can not be an empty string');
      c.Volumes = { ...(c.Volumes ?? {}), ...Object.fromEntries(vols.map((v) => [v, {}])) };
      break;
    }
    case 'USER':
    case 'WORKDIR':
    case 'STOPSIGNAL': {
      const words = splitWords(rest);
      if (words.length !== 1) throw invalid(`${instr} requires exactly one argument`);
      const v = words[0]!;
      if (instr === 'USER') c.User = v;
      else if (instr === 'STOPSIGNAL') c.StopSignal = v;
      // a relative WORKDIR is taken from the one before, as a Dockerfile's
      else c.WorkingDir = v.startsWith('/') ? v : `${(c.WorkingDir ?? '/').replace(/\/$/, '')}/${v}`;
      break;
    }
  }
  return c;
}

/** Every `--change` in order. */
export function applyChanges(config: ImageRunConfig, changes: readonly string[]): ImageRunConfig {
  return changes.reduce(applyChange, config);
}

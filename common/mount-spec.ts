/**
 * Docker's mount.Mount (HostConfig.Mounts, `--mount`), the docker CLI's `--mount` parser and the daemon's check
 * of one (moby volume/mounts/linux_parser.go validateMountConfig), with their messages. Pure: workflow-safe.
 */
import { ContainerError } from './errors';

export type MountType = 'bind' | 'volume' | 'tmpfs';

/** One HostConfig.Mounts entry, Docker's field names (only those container-saga honours). */
export interface MountSpec {
  Type: MountType;
  /** a host path (bind), a volume name (volume; empty: an anonymous one), empty (tmpfs) */
  Source?: string;
  Target: string;
  ReadOnly?: boolean;
  BindOptions?: { Propagation?: string };
  VolumeOptions?: {
    NoCopy?: boolean;
    Labels?: Record<string, string>;
    DriverConfig?: { Name?: string; Options?: Record<string, string> };
  };
  TmpfsOptions?: { SizeBytes?: number; Mode?: number };
}

/** Docker's propagation modes for a bind (linuxPropagationModes). */
export const PROPAGATIONS = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];

/** Docker's errMountConfig: `invalid mount config for type "bind": …` (400). */
function mountError(type: string, why: string): ContainerError {
  return new ContainerError('InvalidParameter', `invalid mount config for type "${type}": ${why}`);
}

/** The target as Docker cleans it (filepath.Clean). */
export function cleanPath(p: string): string {
  const parts: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return p.startsWith('/') ? `/${parts.join('/')}` : parts.join('/') || '.';
}

/**
 * The daemon's check of one HostConfig.Mounts entry, before anything is made; the bind source's existence is the
 * host's question (runtime/mount-plan's caller). Docker's messages.
 */
export function checkMountSpec(m: MountSpec): void {
  const type = String(m.Type ?? '');
  if (!m.Target) throw mountError(type, 'field Target must not be empty');
  if (cleanPath(m.Target) === '/') throw mountError(type, "invalid specification: destination can't be '/'");
  if (!m.Target.startsWith('/'))
    throw mountError(type, `invalid mount path: '${m.Target}' mount path must be absolute`);
  const extra = (field: string) => mountError(type, `field ${field} must not be specified`);
  switch (m.Type) {
    case 'bind':
      if (!m.Source) throw mountError(type, 'field Source must not be empty');
      if (m.BindOptions?.Propagation && !PROPAGATIONS.includes(m.BindOptions.Propagation))
        throw mountError(type, `invalid propagation mode: ${m.BindOptions.Propagation}`);
      if (m.VolumeOptions) throw extra('VolumeOptions');
      if (m.TmpfsOptions) throw extra('TmpfsOptions');
      if (!m.Source.startsWith('/'))
        throw mountError(type, `invalid mount path: '${m.Source}' mount path must be absolute`);
      return;
    case 'volume': {
      if (m.BindOptions) throw extra('BindOptions');
      if (m.TmpfsOptions) throw extra('TmpfsOptions');
      if (m.ReadOnly && !m.Source) throw mountError(type, 'must not set ReadOnly mode when using anonymous volumes');
      const driver = m.VolumeOptions?.DriverConfig?.Name;
      if (driver && driver !== 'local')
        throw new ContainerError(
          'InvalidParameter',
          `error looking up volume plugin ${driver}: plugin "${driver}" not found`,
        );
      const opts = Object.keys(m.VolumeOptions?.DriverConfig?.Options ?? {});
      if (opts.length)
        throw mountError(
          type,
          `volume options (${opts.join(', ')}) are not supported here: a local volume is a plain directory`,
        );
      return;
    }
    case 'tmpfs':
      if (m.BindOptions) throw extra('BindOptions');
      if (m.VolumeOptions) throw extra('VolumeOptions');
      if (m.Source) throw extra('Source');
      if ((m.TmpfsOptions?.SizeBytes ?? 0) < 0) throw mountError(type, 'invalid tmpfs size');
      return;
    default:
      throw mountError(type, 'mount type unknown');
  }
}

/** Docker's parseVolumesFrom: `container[:ro|:rw]`. */
export function parseVolumesFrom(spec: string): { container: string; mode: 'ro' | 'rw' } {
  if (spec === '') throw new ContainerError('InvalidParameter', 'volumes-from specification cannot be an empty string');
  const colon = spec.indexOf(':');
  const container = colon < 0 ? spec : spec.slice(0, colon);
  const mode = colon < 0 ? '' : spec.slice(colon + 1);
  if (mode === '') return { container, mode: 'rw' };
  if (mode !== 'ro' && mode !== 'rw') throw new ContainerError('InvalidParameter', `invalid mode: ${mode}`);
  return { container, mode };
}

/**
 * A `-v` mode, the part of Docker's modes honoured here: `ro` or `rw`, and `nocopy` (a volume only), comma
 * separated, each once. Undefined when Docker would answer `invalid mode: MODE`.
 */
export function parseBindMode(mode: string, volume: boolean): { readonly: boolean; nocopy: boolean } | undefined {
  const parts = mode.split(',');
  const rw = parts.filter((p) => p === 'ro' || p === 'rw');
  const nocopy = parts.filter((p) => p === 'nocopy');
  if (rw.length + nocopy.length !== parts.length || rw.length > 1 || nocopy.length > 1) return undefined;
  if (nocopy.length && !volume) return undefined;
  return { readonly: rw[0] === 'ro', nocopy: nocopy.length > 0 };
}

/** A tmpfs mount's options as Docker's ConvertTmpfsOptions writes them (`size=…k,mode=…`, `ro`). */
export function tmpfsOptionsOf(m: MountSpec): string {
  const out: string[] = [];
  const size = m.TmpfsOptions?.SizeBytes ?? 0;
  if (size > 0) out.push(`size=${Math.floor(size / 1024)}k`);
  const mode = m.TmpfsOptions?.Mode ?? 0;
  if (mode !== 0) out.push(`mode=${mode.toString(8)}`);
  if (m.ReadOnly) out.push('ro');
  return out.join(',');
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** go-units RAMInBytes: `64m`, `1.5g`, `100kb`; undefined when not a size. */
function ramInBytes(s: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(s);
  if (!m) return undefined;
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}

function boolValue(key: string, val: string | undefined): boolean {
  if (val === undefined) return true;
  // Docker's parseBoolValue: "1", "true", "0", "false" (strconv.ParseBool's spellings)
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(val)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(val)) return false;
  throw new Error(`invalid value for '${key}': ${val}`);
}

function setKeyValue(map: Record<string, string>, kv: string): void {
  const eq = kv.indexOf('=');
  if (eq < 0) map[kv] = '';
  else map[kv.slice(0, eq)] = kv.slice(eq + 1);
}

/** CSV fields as Go's encoding/csv reads one line: `"a,b"` quoted fields keep their commas. */
function csvFields(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cur += c;
    } else if (c === '"' && cur === '') quoted = true;
    else if (c === ',') {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/**
 * The docker CLI's `--mount` value (cli/opts/mount.go MountOpt.Set): CSV `key=value` fields, type volume unless
 * given. Throws an Error with the CLI's message (the caller frames it as the flag's invalid argument).
 */
export function parseMountFlag(value: string): MountSpec {
  const m: MountSpec = { Type: 'volume', Target: '' };
  const volumeOptions = () => (m.VolumeOptions ??= {});
  const driverConfig = () => (volumeOptions().DriverConfig ??= {});
  const tmpfs = () => (m.TmpfsOptions ??= {});
  for (const field of csvFields(value)) {
    const eq = field.indexOf('=');
    const key = (eq < 0 ? field : field.slice(0, eq)).toLowerCase();
    const val = eq < 0 ? undefined : field.slice(eq + 1);
    if (val === undefined && !['readonly', 'ro', 'volume-nocopy', 'bind-nonrecursive'].includes(key))
      throw new Error(`invalid field '${field}' must be a key=value pair`);
    switch (key) {
      case 'type':
        m.Type = val!.toLowerCase() as MountType;
        break;
      case 'source':
      case 'src':
        m.Source = val!;
        break;
      case 'target':
      case 'dst':
      case 'destination':
        m.Target = val!;
        break;
      case 'readonly':
      case 'ro':
        m.ReadOnly = boolValue(key, val);
        break;
      case 'bind-propagation':
        m.BindOptions = { ...m.BindOptions, Propagation: val!.toLowerCase() };
        break;
      case 'volume-nocopy':
        volumeOptions().NoCopy = boolValue(key, val);
        break;
      case 'volume-label':
        setKeyValue((volumeOptions().Labels ??= {}), val!);
        break;
      case 'volume-driver':
        driverConfig().Name = val!;
        break;
      case 'volume-opt':
        setKeyValue((driverConfig().Options ??= {}), val!);
        break;
      case 'tmpfs-size': {
        const size = ramInBytes(val!);
        if (size === undefined) throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().SizeBytes = size;
        break;
      }
      case 'tmpfs-mode': {
        if (!/^[0-7]+$/.test(val!) || parseInt(val!, 8) > 0xffffffff)
          throw new Error(`invalid value for ${key}: ${val}`);
        tmpfs().Mode = parseInt(val!, 8);
        break;
      }
      default:
        throw new Error(`unexpected key '${key}' in '${field}'`);
    }
  }
  if (!m.Target) throw new Error('target is required');
  if (m.VolumeOptions && m.Type !== 'volume')
    throw new Error(`cannot mix 'volume-*' options with mount type '${m.Type}'`);
  if (m.BindOptions && m.Type !== 'bind') throw new Error(`cannot mix 'bind-*' options with mount type '${m.Type}'`);
  if (m.TmpfsOptions && m.Type !== 'tmpfs') throw new Error(`cannot mix 'tmpfs-*' options with mount type '${m.Type}'`);
  return m;
}

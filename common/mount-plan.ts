/**
 * A container's mount points, decided once at create (Docker's registerMountPoints and the anonymous volumes
 * of createContainerOSSpecificSettings) and recorded (ContainerRecord.MountPoints): what every start mounts,
 * what inspect shows as Mounts, what `rm -v` removes and `--volumes-from` copies. Pure: workflow-safe.
 */
import { ContainerError } from './errors';
import { cleanPath, parseBindMode, tmpfsOptionsOf, type MountSpec, type MountType } from './mount-spec';
import { volumeNameError } from './settings';

/** One recorded mount point, with the field names inspect's Mounts shows. */
export interface MountPoint {
  Type: MountType;
  /** the volume's name (type volume) */
  Name?: string;
  /** the host path (type bind); a volume's directory is the host's layout's, found when read */
  Source?: string;
  Destination: string;
  RW: boolean;
  /** Docker's Mode: the -v mode as given (`ro`, `z` for a named volume), '' otherwise */
  Mode: string;
  Propagation: string;
  /** a volume made for this container (no name given): `rm -v` and `run --rm` remove it */
  Anonymous?: boolean;
  /** the volume is not filled from the image's content at this path (volume-nocopy; volumes-from copies) */
  NoCopy?: boolean;
  /** tmpfs mount options (type tmpfs) */
  Options?: string;
  /** labels a `--mount volume-label=` gives a volume this create makes */
  Labels?: Record<string, string>;
}

/** What a volumes-from source gives: its mount points and the mode asked (`ro` makes every one read-only). */
export interface VolumesFromSource {
  mode: 'ro' | 'rw';
  points: readonly MountPoint[];
}

export interface MountPlanInput {
  binds: readonly string[];
  mounts: readonly MountSpec[];
  tmpfs: Readonly<Record<string, string>>;
  /** Config.Volumes' paths: the create's and the image's */
  volumes: readonly string[];
  from: readonly VolumesFromSource[];
  /** a new anonymous volume's name (Docker's 64 random hex) */
  newName: () => string;
}

function duplicate(dest: string): ContainerError {
  return new ContainerError('InvalidParameter', `Duplicate mount point: ${dest}`);
}

/** A `-v SRC:DST[:MODE]` (checked by verifyHostConfig) as a mount point. */
export function bindPoint(bind: string): MountPoint {
  const [source = '', dest = '', mode = ''] = bind.split(':');
  const volume = !source.startsWith('/');
  const parsed = parseBindMode(mode || 'rw', volume);
  const RW = !parsed?.readonly;
  const Destination = cleanPath(dest);
  if (!volume) return { Type: 'bind', Source: cleanPath(source), Destination, RW, Mode: mode, Propagation: 'rprivate' };
  const point: MountPoint = {
    Type: 'volume',
    Name: source,
    Destination,
    RW,
    Mode: mode === '' ? 'z' : mode,
    Propagation: '',
  };
  return parsed?.nocopy ? { ...point, NoCopy: true } : point;
}

/** A HostConfig.Mounts entry (checked by checkMountSpec) as a mount point. */
function specPoint(m: MountSpec, newName: () => string): MountPoint {
  const Destination = cleanPath(m.Target);
  const RW = !m.ReadOnly;
  if (m.Type === 'bind')
    return {
      Type: 'bind',
      Source: cleanPath(m.Source!),
      Destination,
      RW,
      Mode: '',
      Propagation: m.BindOptions?.Propagation || 'rprivate',
    };
  if (m.Type === 'tmpfs')
    return { Type: 'tmpfs', Destination, RW, Mode: '', Propagation: '', Options: tmpfsOptionsOf(m) };
  const labels = m.VolumeOptions?.Labels;
  return {
    Type: 'volume',
    Name: m.Source || newName(),
    Destination,
    RW,
    Mode: 'z', // as Docker shows a --mount volume's
    Propagation: '',
    ...(m.Source ? {} : { Anonymous: true }),
    ...(m.VolumeOptions?.NoCopy ? { NoCopy: true } : {}),
    ...(labels && Object.keys(labels).length ? { Labels: { ...labels } } : {}),
  };
}

/**
 * Docker's order: the volumes-from sources' points (their modes, read-only with `:ro`), then Binds (a second
 * bind or a --tmpfs at one destination is a duplicate), then Mounts (a destination a bind has is a duplicate),
 * then an anonymous volume for every Config.Volumes path nothing mounts yet. Throws before anything is made.
 */
export function planMountPoints(input: MountPlanInput): MountPoint[] {
  const points = new Map<string, MountPoint>();
  for (const src of input.from)
    for (const p of src.points) {
      // Docker's copy: the source's mode string not kept, the image's content never copied in (CopyData false)
      points.set(p.Destination, { ...p, Mode: '', RW: p.RW && src.mode !== 'ro', NoCopy: true });
    }
  const tmpfs = new Set(Object.keys(input.tmpfs).map(cleanPath));
  const binds = new Set<string>();
  for (const b of input.binds) {
    const p = bindPoint(b);
    if (binds.has(p.Destination) || tmpfs.has(p.Destination)) throw duplicate(p.Destination);
    binds.add(p.Destination);
    points.set(p.Destination, p);
  }
  const mounted = new Set<string>();
  for (const m of input.mounts) {
    const p = specPoint(m, input.newName);
    if (binds.has(p.Destination) || mounted.has(p.Destination) || tmpfs.has(p.Destination)) throw duplicate(m.Target);
    if (p.Type === 'volume' && p.Name && !p.Anonymous) {
      const bad = volumeNameError(p.Name);
      if (bad) throw new ContainerError('InvalidParameter', bad);
    }
    mounted.add(p.Destination);
    points.set(p.Destination, p);
  }
  for (const v of input.volumes) {
    const dest = cleanPath(v);
    if (!dest.startsWith('/'))
      throw new ContainerError('InvalidParameter', `invalid mount path: '${v}' mount path must be absolute`);
    if (dest === '/') throw new ContainerError('InvalidParameter', "invalid specification: destination can't be '/'");
    if (points.has(dest) || tmpfs.has(dest)) continue;
    const anon = { Type: 'volume', Name: input.newName(), Destination: dest, RW: true, Mode: '', Propagation: '' };
    points.set(dest, { ...(anon as MountPoint), Anonymous: true });
  }
  return [...points.values()];
}

/** A record's mount points: as recorded, else (records from before) its binds'. */
export function mountPointsOf(rec: {
  HostConfig: { Binds: readonly string[] };
  MountPoints?: MountPoint[];
}): MountPoint[] {
  return rec.MountPoints ?? rec.HostConfig.Binds.map(bindPoint);
}

/** The volumes a record's mount points name, each once. */
export function volumeNamesOf(rec: Parameters<typeof mountPointsOf>[0]): string[] {
  return [
    ...new Set(
      mountPointsOf(rec)
        .filter((p) => p.Type === 'volume')
        .map((p) => p.Name!),
    ),
  ];
}

import type { MountSpec } from '../../common/mount-spec';
import type { HostConfig } from '../../common/types';
import { badRequest } from '../http';
import { checkFields, type FieldRule } from './create-schema';
import {
  isPlainObject,
  isZero,
  optBool,
  optInt,
  optObject,
  optString,
  optStringList,
  optStringMap,
} from './json-value';

/**
 * HostConfig.Mounts (Docker's mount.Mount, as the docker CLI's `--mount` sends it) and HostConfig.VolumesFrom;
 * Config.Volumes' paths. Only the shape here: what the values mean is the create's check
 * (common/mount-spec.ts checkMountSpec), with Docker's messages, as for the project CLI.
 */
const Z: FieldRule = { zero: [] };
const MOUNT_FIELDS: Readonly<Record<string, FieldRule>> = {
  Type: 'convert',
  Source: 'convert',
  Target: 'convert',
  ReadOnly: 'convert',
  // a hint for macOS file sharing; nothing to do on Linux (Docker ignores it there too)
  Consistency: 'ignore',
  BindOptions: 'convert',
  VolumeOptions: 'convert',
  TmpfsOptions: 'convert',
  ClusterOptions: Z,
  ImageOptions: Z,
};
const BIND_FIELDS = {
  Propagation: 'convert',
  NonRecursive: Z,
  CreateMountpoint: Z,
  ReadOnlyNonRecursive: Z,
  ReadOnlyForceRecursive: Z,
} as const;
const VOLUME_FIELDS = { NoCopy: 'convert', Labels: 'convert', DriverConfig: 'convert', Subpath: Z } as const;
const TMPFS_FIELDS = { SizeBytes: 'convert', Mode: 'convert', Options: Z } as const;

function nested(v: unknown, fields: Readonly<Record<string, FieldRule>>, path: string) {
  if (v === undefined || v === null) return undefined;
  if (!isPlainObject(v)) throw badRequest(`invalid ${path}: want an object`);
  checkFields(v, fields, `${path}.`);
  return v;
}

function toMount(v: unknown, i: number): MountSpec {
  const path = `HostConfig.Mounts[${i}]`;
  const m = nested(v, MOUNT_FIELDS, path);
  if (!m) throw badRequest(`invalid ${path}: want an object`);
  const out: MountSpec = {
    Type: (optString(m.Type, `${path}.Type`) ?? '') as MountSpec['Type'],
    Target: optString(m.Target, `${path}.Target`) ?? '',
  };
  const source = optString(m.Source, `${path}.Source`);
  if (source) out.Source = source;
  if (optBool(m.ReadOnly, `${path}.ReadOnly`)) out.ReadOnly = true;
  const bind = nested(m.BindOptions, BIND_FIELDS, `${path}.BindOptions`);
  if (bind) out.BindOptions = { Propagation: optString(bind.Propagation, `${path}.BindOptions.Propagation`) ?? '' };
  const vol = nested(m.VolumeOptions, VOLUME_FIELDS, `${path}.VolumeOptions`);
  if (vol) {
    out.VolumeOptions = {};
    if (optBool(vol.NoCopy, `${path}.VolumeOptions.NoCopy`)) out.VolumeOptions.NoCopy = true;
    const labels = optStringMap(vol.Labels, `${path}.VolumeOptions.Labels`);
    if (labels) out.VolumeOptions.Labels = labels;
    const dc = optObject(vol.DriverConfig, `${path}.VolumeOptions.DriverConfig`);
    if (dc && !isZero(dc))
      out.VolumeOptions.DriverConfig = {
        Name: optString(dc.Name, `${path}.VolumeOptions.DriverConfig.Name`) ?? '',
        Options: optStringMap(dc.Options, `${path}.VolumeOptions.DriverConfig.Options`) ?? {},
      };
  }
  const tmpfs = nested(m.TmpfsOptions, TMPFS_FIELDS, `${path}.TmpfsOptions`);
  if (tmpfs)
    out.TmpfsOptions = {
      SizeBytes: optInt(tmpfs.SizeBytes, `${path}.TmpfsOptions.SizeBytes`) ?? 0,
      Mode: optInt(tmpfs.Mode, `${path}.TmpfsOptions.Mode`) ?? 0,
    };
  return out;
}

/** HostConfig.Mounts and VolumesFrom, each only when set. */
export function mountFields(hc: Record<string, unknown>): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  if (hc.Mounts !== undefined && hc.Mounts !== null) {
    if (!Array.isArray(hc.Mounts)) throw badRequest('invalid HostConfig.Mounts: want an array');
    if (hc.Mounts.length) out.Mounts = hc.Mounts.map(toMount);
  }
  const from = optStringList(hc.VolumesFrom, 'HostConfig.VolumesFrom');
  if (from?.length) out.VolumesFrom = from;
  return out;
}

/** Config.Volumes' paths (`-v /data`, an image's VOLUME): each an anonymous volume unless mounted otherwise. */
export function declaredVolumes(value: unknown): string[] {
  return Object.keys(optObject(value, 'Volumes') ?? {});
}

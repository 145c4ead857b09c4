import { bool, int, map, obj, opt, req, str } from './value-checks';

/** One HostConfig.Mounts entry (common/mount-spec.ts); what its values mean is checkMountSpec's. */
export const MOUNT_SPEC = obj(
  {
    Type: req(str),
    Source: opt(str),
    Target: req(str),
    ReadOnly: opt(bool),
    BindOptions: opt(obj({ Propagation: opt(str) }, true)),
    VolumeOptions: opt(
      obj(
        {
          NoCopy: opt(bool),
          Labels: opt(map(str)),
          DriverConfig: opt(obj({ Name: opt(str), Options: opt(map(str)) }, true)),
        },
        true,
      ),
    ),
    TmpfsOptions: opt(obj({ SizeBytes: opt(int(0)), Mode: opt(int(0)) }, true)),
  },
  true,
);

import type { HostConfig } from './types';
import { bool, int, list, obj, opt, req, str, type Field } from './value-checks';

/** The input checks of issue 27's create fields and docker update (common/input-check.ts spreads them in). */

/** HostConfig's CpuShares, Init, Devices and GroupAdd. */
export const EXTRA_HOST_CONFIG: Pick<
  { [K in keyof HostConfig]-?: Field },
  'CpuShares' | 'Init' | 'Devices' | 'GroupAdd'
> = {
  CpuShares: opt(int()),
  Init: opt(bool),
  Devices: opt(list(obj({ PathOnHost: req(str), PathInContainer: req(str), CgroupPermissions: req(str) }, true))),
  GroupAdd: opt(list(str)),
};

/** containerUpdate's resources (common/update-api.ts UpdateResources). */
export const updateResources = obj(
  {
    Memory: opt(int()),
    MemorySwap: opt(int(-1)),
    NanoCpus: opt(int()),
    CpuShares: opt(int()),
    PidsLimit: opt(int()),
    RestartPolicy: opt(obj({ Name: req(str), MaximumRetryCount: req(int()) }, true)),
  },
  true,
);

import { ContainerError } from './errors';
import { verifyHostConfig, type HostInfo } from './settings';
import { defaultHostConfig, type HostConfig, type RestartPolicy } from './types';

/**
 * docker update (moby daemon/update.go, container_unix.go UpdateContainer): what a client may change, and
 * Docker's rules for merging it into the record. Types and pure functions: workflow code imports this file.
 */

/** The fields Docker's UpdateConfig carries that container-saga has; 0 (or absent) leaves a value as it is. */
export interface UpdateResources {
  Memory?: number;
  /** -1 unlimited swap */
  MemorySwap?: number;
  NanoCpus?: number;
  CpuShares?: number;
  /** present: the new limit (0 or less: unlimited) */
  PidsLimit?: number;
  /** Name '' (or absent): unchanged */
  RestartPolicy?: RestartPolicy;
}

export interface UpdateInput {
  container: string;
  resources: UpdateResources;
}

export interface UpdateResult {
  containerId: string;
  /** Docker's ContainerUpdateOKBody */
  Warnings: string[];
}

/** Docker's errCannotUpdate: the merge's and the runtime's failures name the container. */
export const cannotUpdate = (id: string, why: string) => `Cannot update container ${id}: ${why}`;

/**
 * Docker's verifyContainerSettings of the update alone (before the container is looked up): its plain 400s
 * (`Minimum memory limit allowed is 6MB`, the CPU range, a bad restart policy) and warnings.
 */
export function verifyUpdate(u: UpdateResources, host: HostInfo): string[] {
  const hc: HostConfig = {
    ...defaultHostConfig(),
    Memory: u.Memory ?? 0,
    ...(u.MemorySwap ? { MemorySwap: u.MemorySwap } : {}),
    NanoCpus: u.NanoCpus ?? 0,
    PidsLimit: Math.max(0, u.PidsLimit ?? 0),
    RestartPolicy: u.RestartPolicy ?? { Name: '', MaximumRetryCount: 0 },
  };
  return verifyHostConfig(hc, host);
}

/**
 * The record's HostConfig after the update (UpdateContainer): each non-zero field replaces the recorded one; a
 * memory limit above the recorded memory+swap without a new swap, or a restart policy on an AutoRemove
 * container, is Docker's conflicting options (thrown as `Cannot update container <id>: …`, 400).
 */
export function applyUpdate(id: string, hc: HostConfig, u: UpdateResources): HostConfig {
  const fail = (msg: string): never => {
    throw new ContainerError('InvalidParameter', cannotUpdate(id, msg));
  };
  const next: HostConfig = { ...hc };
  if (u.NanoCpus) next.NanoCpus = u.NanoCpus;
  if (u.CpuShares) next.CpuShares = u.CpuShares < 0 ? 2 : Math.min(u.CpuShares, 262144);
  if (u.Memory) {
    // memory+swap not recorded (0) counts as below any limit, as in Docker; -1 (unlimited swap) is above every one
    const swap = hc.MemorySwap ?? 0;
    if (swap !== -1 && u.Memory > swap && !u.MemorySwap)
      fail('Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time');
    next.Memory = u.Memory;
  }
  if (u.MemorySwap) next.MemorySwap = u.MemorySwap;
  if (next.MemorySwap !== undefined && next.MemorySwap > 0 && next.Memory > next.MemorySwap)
    fail('Minimum memoryswap limit should be larger than memory limit, see usage');
  if (u.PidsLimit !== undefined) next.PidsLimit = Math.max(0, u.PidsLimit);
  const rp = u.RestartPolicy;
  if (rp && rp.Name !== '') {
    if (hc.AutoRemove && rp.Name !== 'no')
      fail('Restart policy cannot be updated because AutoRemove is enabled for the container');
    next.RestartPolicy = { Name: rp.Name, MaximumRetryCount: rp.MaximumRetryCount };
  }
  return next;
}

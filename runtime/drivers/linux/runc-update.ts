import { ContainerError } from '../../../common/errors';
import { run, toolOutput } from './exec';
import type { Layout } from '../layout';
import { tool } from './tools';

/** The limits a running container's cgroup gets from docker update; 0 (or undefined swap) means unlimited. */
export interface LiveLimits {
  memory: number;
  /** memory + swap, -1 unlimited; undefined: unlimited */
  memorySwap: number | undefined;
  nanoCpus: number;
  pidsLimit: number;
  /** 0: left as it is */
  cpuShares: number;
}

const CPU_PERIOD = 100_000;

/** The OCI LinuxResources `runc update -r` reads (pure): every limit given, -1 for none, as the spec step sets them. */
export function updateResources(l: LiveLimits): object {
  return {
    memory: { limit: l.memory > 0 ? l.memory : -1, swap: l.memory > 0 ? (l.memorySwap ?? -1) : -1 },
    cpu: {
      quota: l.nanoCpus > 0 ? Math.max(1000, Math.round((l.nanoCpus * CPU_PERIOD) / 1e9)) : -1,
      period: CPU_PERIOD,
      ...(l.cpuShares > 0 ? { shares: l.cpuShares } : {}),
    },
    pids: { limit: l.pidsLimit > 0 ? l.pidsLimit : -1 },
  };
}

/** `runc update -r -`: the new limits into the running container's cgroup; runc's (the kernel's) error as given. */
export async function runcUpdate(layout: Layout, id: string, limits: LiveLimits): Promise<void> {
  const r = await run(tool('runc'), ['--root', layout.runcRoot, 'update', '-r', '-', id], {
    input: JSON.stringify(updateResources(limits)),
  });
  if (r.code !== 0) throw new ContainerError('Internal', toolOutput(r), { retryable: false });
}

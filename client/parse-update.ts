import { parseBytes } from '../common/settings';
import type { RestartPolicy } from '../common/types';
import type { UpdateResources } from '../common/update-api';
import { usageError } from './errors';

/** `update`'s flags as commander hands them over. */
export interface UpdateFlags {
  memory?: string;
  memorySwap?: string;
  cpus?: string;
  cpuShares?: string;
  pidsLimit?: string;
  restart?: string;
}

/** The docker CLI's flag error (exit 125), the value quoted as Go's %q. */
function bad(value: string, flag: string, why: string): never {
  throw usageError(`invalid argument "${value.replace(/["\\]/g, '\\$&')}" for "${flag}" flag: ${why}`, 'update');
}

function bytes(value: string, flag: string): number {
  const n = parseBytes(value);
  if (n === undefined || n < 0 || !Number.isSafeInteger(n)) bad(value, flag, `invalid size: '${value}'`);
  return n!;
}

/** docker update's flags (cli/command/container/update.go) as the API's UpdateConfig: only what was given. */
export function parseUpdate(flags: UpdateFlags): UpdateResources {
  const out: UpdateResources = {};
  if (flags.memory !== undefined) out.Memory = bytes(flags.memory, '-m, --memory');
  if (flags.memorySwap !== undefined)
    out.MemorySwap = flags.memorySwap === '-1' ? -1 : bytes(flags.memorySwap, '--memory-swap');
  if (flags.cpus !== undefined) {
    if (!/^(\d+(\.\d*)?|\.\d+)$/.test(flags.cpus))
      bad(flags.cpus, '--cpus', `failed to parse ${flags.cpus} as a rational number`);
    out.NanoCpus = Math.round(Number(flags.cpus) * 1e9);
  }
  if (flags.cpuShares !== undefined) {
    if (!/^-?\d+$/.test(flags.cpuShares)) bad(flags.cpuShares, '-c, --cpu-shares', 'must be an integer');
    out.CpuShares = Number(flags.cpuShares);
  }
  if (flags.pidsLimit !== undefined) {
    if (!/^-?\d+$/.test(flags.pidsLimit)) bad(flags.pidsLimit, '--pids-limit', 'must be an integer');
    out.PidsLimit = Number(flags.pidsLimit);
  }
  if (flags.restart !== undefined) {
    const [name, count] = flags.restart.split(':', 2) as [string, string | undefined];
    if (count !== undefined && !/^\d+$/.test(count))
      bad(flags.restart, '--restart', 'maximum retry count must be an integer');
    // the name is the daemon's to check (Docker's 400 `invalid restart policy`)
    out.RestartPolicy = { Name: name as RestartPolicy['Name'], MaximumRetryCount: count ? Number(count) : 0 };
  }
  return out;
}

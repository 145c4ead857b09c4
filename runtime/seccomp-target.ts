import { release } from 'node:os';
import type { SeccompTarget } from '../common/seccomp';

/** Node's process.arch → Go's GOARCH, the names Docker's profiles use in includes/excludes.arches. */
const GOARCH: Readonly<Record<string, string>> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  s390x: 's390x',
  ppc64: 'ppc64le',
  riscv64: 'riscv64',
};

/** What a profile is converted for on this host: the process's capabilities, this architecture, this kernel. */
export function seccompTarget(capabilities: readonly string[]): SeccompTarget {
  const kernel = /^(\d+\.\d+)/.exec(release())?.[1];
  return { capabilities, goArch: GOARCH[process.arch] ?? process.arch, ...(kernel ? { kernel } : {}) };
}

import type { DockerSeccompProfile, DockerSyscallRule } from './seccomp';
import { CONDITIONAL_RULES, EPERM } from './seccomp-allow/conditional';
import { GATED_GROUPS } from './seccomp-allow/gated';
import { ALLOWED_GROUPS } from './seccomp-allow/table';

export {
  CLONE_NAMESPACE_MASK,
  CLONE_NEWCGROUP,
  CLONE_NEWIPC,
  CLONE_NEWNET,
  CLONE_NEWNS,
  CLONE_NEWPID,
  CLONE_NEWTIME,
  CLONE_NEWUSER,
  CLONE_NEWUTS,
} from './seccomp-allow/conditional';

/**
 * container-saga's default seccomp profile, in Docker's profile format (common/seccomp.ts converts it for a
 * container's capabilities). An allowlist with Docker's semantics: a syscall not named below fails with EPERM
 * (so does a new one the kernel gains); some are allowed on their arguments (clone, unshare, socket,
 * personality), some only with a capability (--cap-add lifts the rule, as Docker's `includes.caps`). The
 * groups and why each is allowed: common/seccomp-allow/ and docs/seccomp.md; every name of the kernel's
 * syscall table is decided there (test/unit/seccomp-table.test.ts).
 */

/** A group gated on any of several capabilities becomes one rule per capability (includes.caps needs all). */
const gatedRules = (): DockerSyscallRule[] =>
  GATED_GROUPS.flatMap((g) =>
    g.caps.map(
      (cap): DockerSyscallRule => ({
        names: [...g.names],
        action: 'SCMP_ACT_ALLOW',
        comment: `${g.title}: ${g.why}`,
        includes: { caps: [cap] },
      }),
    ),
  );

export const DEFAULT_SECCOMP_PROFILE: DockerSeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: EPERM,
  // Docker's: the native ABI and the compat ones that run on it, so a 32-bit binary meets the same rules
  // (a call from an architecture not listed is killed by libseccomp's bad-arch action).
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    {
      names: ALLOWED_GROUPS.flatMap((g) => g.names),
      action: 'SCMP_ACT_ALLOW',
      comment: ALLOWED_GROUPS.map((g) => g.title).join('; '),
    },
    ...CONDITIONAL_RULES.map((r) => ({ ...r })),
    ...gatedRules(),
  ],
};

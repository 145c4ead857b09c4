import type { SpecPlan } from '../../driver';
import { containerResolvConf, readHostResolvConf } from '../../resolv-conf';
import { toOciSeccomp } from '../../../common/seccomp';
import { seccompTarget } from '../../seccomp-target';

/**
 * The simulated driver's bundle config: what the Linux driver's spec would say, as plain JSON, so CLI and API
 * tests can read a container's settings back.
 */
export async function simulatedSpec(plan: SpecPlan): Promise<Record<string, unknown>> {
  return {
    ociVersion: '1.0.2',
    process: {
      args: plan.args,
      env: plan.env,
      user: plan.user,
      cwd: plan.cwd || '/',
      terminal: plan.tty,
      capabilities: plan.capabilities,
      noNewPrivileges: plan.noNewPrivileges,
    },
    hostname: plan.hostname,
    // converted as the Linux driver does, so a profile that could not be loaded fails here too
    seccomp: plan.seccomp ? toOciSeccomp(plan.seccomp, seccompTarget(plan.capabilities)) : null,
    privileged: plan.privileged,
    extraHosts: plan.extraHosts,
    domainname: plan.domainname,
    dns: plan.dns,
    // the file the Linux driver would write, from this machine's
    resolvConf: containerResolvConf(await readHostResolvConf(), plan.dns, plan.network.kind === 'host'),
    // the resource settings as the Linux driver passes them, so CLI and API tests can read them back
    resources: {
      memory: plan.memory,
      memorySwap: plan.memorySwap ?? null,
      ulimits: plan.ulimits,
      oomKillDisable: plan.oomKillDisable,
      cpuShares: plan.cpuShares ?? null,
      devices: plan.devices ?? [],
    },
    oomScoreAdj: plan.oomScoreAdj,
    cgroupns: plan.cgroupns,
    appArmorProfile: plan.appArmorProfile ?? null,
  };
}

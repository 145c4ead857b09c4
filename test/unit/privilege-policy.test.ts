/**
 * The ways around a bind policy (runtime/privilege-policy.ts) on the simulated driver: with
 * CONTAINER_SAGA_BIND_ALLOW set, --privileged, a capability beyond Docker's defaults, seccomp=unconfined or a
 * profile of one's own, and the host's network or IPC namespace are Forbidden (403) at create, nothing
 * created, unless CONTAINER_SAGA_POLICY_ALLOW allows them; a container created before the policy is refused
 * at start (verify-settings). Without a bind policy, Docker's behaviour.
 */
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { HostConfig } from '../../common/types';
import { verifySettingsOf } from '../../activities/start-checks';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach } from './helpers';

const tmp = tempDirEach('privilege');
let root: string;
beforeEach(() => {
  root = path.join(tmp.path, 'root');
});

const policed = (policyAllow?: string[]) => simulatedRuntime(root, { bindAllow: [tmp.path], policyAllow });
const create = (rt: ReturnType<typeof policed>, hostConfig: Partial<HostConfig>) =>
  rt.create({ image: 'busybox', cmd: ['true'], hostConfig });

const profile = JSON.stringify({ defaultAction: 'SCMP_ACT_ALLOW' });
const why = "is refused by this host's policy \\(CONTAINER_SAGA_BIND_ALLOW is set\\): to allow it, add";

const CASES: Array<[string, Partial<HostConfig>, string, string]> = [
  ['--privileged', { Privileged: true }, '--privileged', 'privileged'],
  ['--cap-add SYS_ADMIN', { CapAdd: ['sys_admin'] }, '--cap-add CAP_SYS_ADMIN', 'cap:SYS_ADMIN'],
  [
    '--cap-add ALL',
    { CapAdd: ['ALL'] },
    '--cap-add CAP_DAC_READ_SEARCH,.*,CAP_CHECKPOINT_RESTORE',
    'cap:DAC_READ_SEARCH,',
  ],
  [
    '--cap-add NET_ADMIN,BPF',
    { CapAdd: ['BPF', 'NET_ADMIN'] },
    '--cap-add CAP_NET_ADMIN,CAP_BPF',
    'cap:NET_ADMIN,cap:BPF',
  ],
  [
    'seccomp=unconfined',
    { SecurityOpt: ['seccomp=unconfined'] },
    '--security-opt seccomp=unconfined',
    'seccomp-unconfined',
  ],
  ['a seccomp profile', { SecurityOpt: [`seccomp=${profile}`] }, '--security-opt seccomp=<profile>', 'seccomp-profile'],
  ['--network host', { NetworkMode: 'host' }, '--network host', 'host-network'],
  ['--ipc host', { IpcMode: 'host' }, '--ipc host', 'host-ipc'],
  [
    '--device',
    { Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/x', CgroupPermissions: 'rwm' }] },
    '--device',
    'devices',
  ],
];

describe('with CONTAINER_SAGA_BIND_ALLOW set', () => {
  it.each(CASES)(
    'refuses %s at create: Forbidden (403) naming the setting, nothing created',
    async (_w, hc, what, entry) => {
      const rt = policed();
      const err = await rejected(create(rt, hc));
      expectError(err, {
        type: 'Forbidden',
        message: new RegExp(`^${what} ${why} ${entry}.* to CONTAINER_SAGA_POLICY_ALLOW$`),
      });
      expect(await rt.list()).toEqual([]);
    },
  );

  it.each(CASES)('allows %s when CONTAINER_SAGA_POLICY_ALLOW names it', async (_w, hc, _what, entry) => {
    const allow =
      entry === 'cap:DAC_READ_SEARCH,' ? ['cap:ALL'] : entry.split(',').map((e) => e.replace('cap:', 'cap:CAP_'));
    expect((await create(policed(allow), hc)).State.Status).toBe('created');
  });

  it("passes Docker's default capabilities, dropped ones, the default seccomp filter and bridge networking", async () => {
    const rec = await create(policed(), {
      CapAdd: ['CHOWN', 'NET_RAW'],
      CapDrop: ['ALL'],
      SecurityOpt: ['seccomp=builtin', 'no-new-privileges'],
      NetworkMode: 'bridge',
    });
    expect(rec.State.Status).toBe('created');
  });

  it('refuses at start a container created before the policy (verify-settings), and allows it once allowed', async () => {
    const rec = await create(simulatedRuntime(root), { Privileged: true, CapAdd: ['SYS_PTRACE'] });
    expectError(await rejected(verifySettingsOf(policed(), rec)), { type: 'Forbidden', message: /^--privileged / });
    expectError(await rejected(verifySettingsOf(policed(['privileged']), rec)), {
      type: 'Forbidden',
      message: new RegExp(`^--cap-add CAP_SYS_PTRACE ${why} cap:SYS_PTRACE to`),
    });
    await verifySettingsOf(policed(['privileged', 'cap:CAP_SYS_PTRACE']), rec);
  });
});

it("without CONTAINER_SAGA_BIND_ALLOW every setting passes (Docker's behaviour)", async () => {
  const rt = simulatedRuntime(root);
  for (const [, hc] of CASES) expect((await create(rt, hc)).State.Status).toBe('created');
});

/**
 * common/settings.ts against Docker's create-time checks: validateHostConfig + ValidateRestartPolicy
 * (daemon/container.go), verifyPlatformContainerResources / verifyPlatformContainerSettings
 * (daemon/daemon_unix.go), runconfig's network-mode checks, and the volume parser (volume/mounts/linux_parser.go).
 */
import { describe, expect, it } from 'vitest';
import { parseBytes, verifyHostConfig, type HostInfo } from '../../common/settings';
import { defaultHostConfig, type HostConfig } from '../../common/types';
import { expectError, thrown } from './helpers';

const HOST: HostInfo = {
  os: 'linux',
  cpus: 4,
  memoryBytes: 8 * 1024 ** 3,
  cgroupMemory: true,
  cgroupCpu: true,
  cgroupPids: true,
};
const MB = 1024 * 1024;
const hc = (over: Partial<HostConfig>): HostConfig => ({ ...defaultHostConfig(), ...over });
const rp = (Name: HostConfig['RestartPolicy']['Name'], MaximumRetryCount = 0) => ({
  RestartPolicy: { Name, MaximumRetryCount },
});

describe('verifyHostConfig: valid settings pass', () => {
  it.each<[string, Partial<HostConfig>, Partial<HostInfo>?]>([
    ['defaults', {}],
    ['bind', { Binds: ['/src:/dst'] }],
    ['bind ro', { Binds: ['/src:/dst:ro'] }],
    ['named volume rw', { Binds: ['data:/data:rw'] }],
    ['tmpfs', { Tmpfs: { '/run': 'size=10m' } }],
    ['shm 0 (default)', { ShmSize: 0 }],
    ['shm 64m', { ShmSize: 64 * MB }],
    ['memory exactly 6MB', { Memory: 6 * MB }],
    ['memory 0 = unlimited', { Memory: 0 }],
    ['cpus 0.01', { NanoCpus: 1e7 }],
    ['cpus = all CPUs', { NanoCpus: 4e9 }],
    ['pids limit', { PidsLimit: 100 }],
    ['pids -1 (unlimited) without pids cgroup', { PidsLimit: -1 }, { cgroupPids: false }],
    ['restart ""', rp('')],
    ['restart no', rp('no')],
    ['restart always', rp('always')],
    ['restart unless-stopped', rp('unless-stopped')],
    ['restart on-failure', rp('on-failure')],
    ['restart on-failure:5', rp('on-failure', 5)],
    ['network ""', { NetworkMode: '' }],
    ['network default', { NetworkMode: 'default' }],
    ['network bridge', { NetworkMode: 'bridge' }],
    ['network none', { NetworkMode: 'none' }],
    ['network host', { NetworkMode: 'host' }],
    ['network container:db', { NetworkMode: 'container:db' }],
    ['links on the default network', { Links: ['db:db'] }],
    ['links on bridge', { NetworkMode: 'bridge', Links: ['db'] }],
    ['ipc ""', { IpcMode: '' }],
    ['ipc private', { IpcMode: 'private' }],
    ['ipc shareable', { IpcMode: 'shareable' }],
    ['ipc host', { IpcMode: 'host' }],
    ['ipc none', { IpcMode: 'none' }],
    ['ipc container:db', { IpcMode: 'container:db' }],
    // Docker: a memory limit without the memory cgroup is a warning ("Limitation discarded."), not an error.
    ['memory without memory cgroup (Docker warns)', { Memory: 512 * MB }, { cgroupMemory: false }],
    // Docker: a pids limit without the pids cgroup is a warning ("PIDs limit discarded."), not an error.
    ['pids without pids cgroup (Docker warns)', { PidsLimit: 100 }, { cgroupPids: false }],
    // Docker (ValidateRestartPolicy): an empty name is allowed with any MaximumRetryCount (pre-v25 records).
    ['restart "" with a retry count', rp('', 3)],
    // Docker rejects links only with host and container:X networking; none is accepted.
    ['links with network none', { NetworkMode: 'none', Links: ['db'] }],
  ])('%s', (_what, over, host) => {
    expect(() => verifyHostConfig(hc(over), { ...HOST, ...host })).not.toThrow();
  });
});

describe("verifyHostConfig: InvalidSettings (400) with Docker's message", () => {
  it.each<[string, Partial<HostConfig>, string | RegExp, Partial<HostInfo>?]>([
    ['bind without destination', { Binds: ['/tmp:'] }, "invalid volume specification: '/tmp:'"],
    ['bind without source', { Binds: [':/test'] }, "invalid volume specification: ':/test'"],
    ['bind with too many fields', { Binds: ['/tmp:::'] }, /invalid volume specification: '\/tmp:::'/],
    [
      'bind with a relative destination',
      { Binds: ['/tmp:tmp'] },
      /invalid mount config for type "bind": invalid mount path: 'tmp' mount path must be absolute/,
    ],
    ['bind with a bad mode', { Binds: ['/path:/path:sw'] }, /invalid mode: sw/],
    [
      'volume with a relative destination',
      { Binds: ['data:rel'] },
      /invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute/,
    ],
    [
      'volume name of one character',
      { Binds: ['d:/data'] },
      /^create d: "d" includes invalid characters for a local volume name, only "\[a-zA-Z0-9\]\[a-zA-Z0-9_.-\]" are allowed\. If you intended to pass a host directory, use absolute path$/,
    ],
    [
      'volume name with a space',
      { Binds: ['my vol:/data'] },
      /^create my vol: "my vol" includes invalid characters for a local volume name/,
    ],
    ['bind onto /', { Binds: ['/src:/'] }, /invalid specification: destination can't be '\/'/],
    ['tmpfs with a relative path', { Tmpfs: { run: '' } }, /invalid mount path: 'run' mount path must be absolute/],
    ['tmpfs onto /', { Tmpfs: { '/': '' } }, /invalid specification: destination can't be '\/'/],
    ['negative shm size', { ShmSize: -1 }, 'SHM size can not be less than 0'],
    ['memory 1 byte', { Memory: 1 }, 'Minimum memory limit allowed is 6MB'],
    ['memory just under 6MB', { Memory: 6 * MB - 1 }, 'Minimum memory limit allowed is 6MB'],
    ['negative cpus', { NanoCpus: -1 }, /^range of CPUs is from 0\.01 to 4\.00, as there are only 4 CPUs available$/i],
    [
      'more cpus than the host',
      { NanoCpus: 4e9 + 1 },
      /^range of CPUs is from 0\.01 to 4\.00, as there are only 4 CPUs available$/i,
    ],
    [
      'cpus without CFS',
      { NanoCpus: 1e9 },
      'NanoCPUs can not be set, as your kernel does not support CPU CFS scheduler or the cgroup is not mounted',
      { cgroupCpu: false },
    ],
    ['unknown restart policy', rp('sometimes' as 'no'), /invalid restart policy.*'sometimes'/],
    ['on-failure with a negative count', rp('on-failure', -1), /maximum retry count cannot be negative/],
    ['always with a retry count', rp('always', 3), /maximum retry count/],
    ['no with a retry count', rp('no', 1), /maximum retry count/],
    ['unless-stopped with a retry count', rp('unless-stopped', 1), /maximum retry count/],
    ['always with a negative count', rp('always', -1), /maximum retry count/],
    ['a mode no network can be named', { NetworkMode: 'my:net' }, 'network my:net not found'],
    [
      'links with host networking',
      { NetworkMode: 'host', Links: ['db'] },
      "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
    ],
    [
      'links with container networking',
      { NetworkMode: 'container:db', Links: ['x'] },
      "conflicting options: container type network can't be used with links. This would result in undefined behavior",
    ],
    [
      'container network without a container',
      { NetworkMode: 'container:' },
      'invalid network mode: invalid container format container:<name|id>',
    ],
    ['unknown ipc mode', { IpcMode: 'bogus' }, 'invalid IPC mode: bogus'],
    ['ipc "container" without a target', { IpcMode: 'container' }, 'invalid IPC mode: container'],
  ])('%s', (_what, over, message, host) => {
    expectError(
      thrown(() => verifyHostConfig(hc(over), { ...HOST, ...host })),
      { type: 'InvalidSettings', message },
    );
  });

  it.each([
    ['foo', 'Invalid --security-opt: "foo"'],
    ['label=bogus', undefined],
  ])('security option %s is validated here (the one place): InvalidSecurityOpt (400)', (opt, message) => {
    const err = thrown(() => verifyHostConfig(hc({ SecurityOpt: [opt] }), HOST));
    expect(err).toMatchObject({ type: 'InvalidSecurityOpt', status: 400 });
    if (message) expect(err.message).toBe(message);
  });

  it("the range message uses the host's CPU count", () => {
    expect(thrown(() => verifyHostConfig(hc({ NanoCpus: 3e9 }), { ...HOST, cpus: 2 })).message).toMatch(
      /from 0\.01 to 2\.00, as there are only 2 CPUs/i,
    );
  });
});

describe("parseBytes (Docker's RAMInBytes: binary units)", () => {
  it.each<[string, number | undefined]>([
    ['64m', 64 * MB],
    ['64M', 64 * MB],
    ['64mb', 64 * MB],
    ['1g', 1024 ** 3],
    ['512k', 512 * 1024],
    ['1kb', 1024],
    ['1024', 1024],
    ['10b', 10],
    ['0', 0],
    ['1.5m', 1.5 * MB],
    ['1 k', 1024],
    ['abc', undefined],
    ['', undefined],
    ['-1', undefined],
    ['m', undefined],
    ['1x', undefined],
    ['1.2.3m', undefined],
    // go-units also knows t and p, and the "iB" spellings.
    ['1t', 1024 ** 4],
    ['2KiB', 2048],
    ['1bb', undefined],
  ])('%j → %s', (text, want) => {
    expect(parseBytes(text)).toBe(want);
  });
});

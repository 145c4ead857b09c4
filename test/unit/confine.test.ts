/**
 * Confinement like Docker's: capabilities (CapAdd/CapDrop/Privileged), the seccomp profile (unconfined, a
 * Docker-format file; the default one is seccomp-default.test.ts's), the OCI spec built from them, the CLI and
 * Engine API fields, inspect.
 */
import { describe, expect, it } from 'vitest';
import { toCreateRequest } from '../../api/convert/create-request';
import { inspectJson } from '../../api/convert/container-json';
import { parseCreate } from '../../client/parse-create';
import { compactJson, inlineSeccompProfiles } from '../../client/seccomp-file';
import { CliError } from '../../client/errors';
import {
  ALL_CAPABILITIES,
  containerCapabilities,
  DEFAULT_CAPABILITIES,
  effectiveCapAddCapDrop,
} from '../../common/capabilities';
import { confinementOf } from '../../common/confinement';
import { parseSeccompProfile, toOciSeccomp } from '../../common/seccomp';
import { DEFAULT_SECCOMP_PROFILE } from '../../common/seccomp-default';
import { verifyHostConfig, type HostInfo } from '../../common/settings';
import { defaultHostConfig, type HostConfig } from '../../common/types';
import { buildSpec, DEFAULT_MASKED_PATHS, type SpecInput } from '../../runtime/drivers/linux/spec';
import { apiStatus, expectError, hexId, record, thrown, specInput, createFlags } from './helpers';

const HOST: HostInfo = {
  os: 'linux',
  cpus: 2,
  memoryBytes: 2 ** 33,
  cgroupMemory: true,
  cgroupCpu: true,
  cgroupPids: true,
};
const hc = (over: Partial<HostConfig>): HostConfig => ({ ...defaultHostConfig(), ...over });
const AMD64 = { goArch: 'amd64', kernel: '6.1' };

describe('capabilities: the docker CLI normalizes, the daemon checks and computes the set', () => {
  it.each<[string[], string[], { capAdd: string[]; capDrop: string[] }]>([
    [['net_admin', 'CAP_SYS_TIME', ' sys_time '], [], { capAdd: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], capDrop: [] }],
    [['all', 'NET_ADMIN'], ['chown'], { capAdd: ['ALL'], capDrop: ['CAP_CHOWN'] }],
    [['NET_RAW'], ['net_raw', 'mknod', ''], { capAdd: ['CAP_NET_RAW'], capDrop: ['CAP_MKNOD'] }],
    [[], ['ALL'], { capAdd: [], capDrop: ['ALL'] }],
  ])('CLI: add %j drop %j', (add, drop, want) => {
    expect(effectiveCapAddCapDrop(add, drop)).toEqual(want);
  });

  const kernelOrder = (caps: readonly string[]) => ALL_CAPABILITIES.filter((c) => caps.includes(c));
  it.each<[string, Partial<HostConfig>, readonly string[]]>([
    ['defaults', {}, kernelOrder(DEFAULT_CAPABILITIES)],
    ['drop ALL, add NET_ADMIN', { CapDrop: ['ALL'], CapAdd: ['NET_ADMIN'] }, ['CAP_NET_ADMIN']],
    [
      'drop two, add one (any case, with or without CAP_)',
      { CapDrop: ['chown', 'CAP_NET_RAW'], CapAdd: ['sys_time'] },
      kernelOrder([...DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_CHOWN' && c !== 'CAP_NET_RAW'), 'CAP_SYS_TIME']),
    ],
    [
      'add ALL but drop SYS_ADMIN',
      { CapAdd: ['ALL'], CapDrop: ['SYS_ADMIN'] },
      ALL_CAPABILITIES.filter((c) => c !== 'CAP_SYS_ADMIN'),
    ],
    ['add one already there', { CapAdd: ['CHOWN'] }, kernelOrder(DEFAULT_CAPABILITIES)],
    ['privileged ignores CapDrop', { Privileged: true, CapDrop: ['ALL'] }, ALL_CAPABILITIES],
  ])('%s', (_what, over, want) => {
    expect(containerCapabilities(over)).toEqual([...want]);
  });

  it.each<[Partial<HostConfig>, string]>([
    [{ CapAdd: ['FOO'] }, 'invalid CapAdd: unknown capability: "CAP_FOO"'],
    [{ CapDrop: ['net_admin', 'cap_bogus'] }, 'invalid CapDrop: unknown capability: "CAP_BOGUS"'],
  ])("an unknown name is Docker's 400 at create: %j", (over, message) => {
    expectError(
      thrown(() => verifyHostConfig(hc(over), HOST)),
      { type: 'InvalidParameter', message },
    );
  });
});

describe('seccomp: a Docker-format profile', () => {
  const profile = {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: [] },
    ],
    syscalls: [
      { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
      { name: 'arch_prctl', action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64'] } },
      { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
      { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
      {
        names: ['personality'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }],
        excludes: { arches: ['arm64'] },
      },
      { names: ['newthing'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '9.0' } },
    ],
  };

  it("accepts every architecture of Docker's own default profile (loongarch64 included) and keeps the native one", () => {
    const p = parseSeccompProfile(
      JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        archMap: [
          { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
          { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
          { architecture: 'SCMP_ARCH_LOONGARCH64', subArchitectures: null },
        ],
      }),
    );
    expect(toOciSeccomp(p, { capabilities: [], goArch: 'loong64' }).architectures).toEqual(['SCMP_ARCH_LOONGARCH64']);
    expect(toOciSeccomp(p, { capabilities: [], ...AMD64 }).architectures).toEqual([
      'SCMP_ARCH_X86_64',
      'SCMP_ARCH_X86',
      'SCMP_ARCH_X32',
    ]);
  });

  it("is converted as moby's setupSeccomp does: archMap, includes/excludes on caps, arches and kernel", () => {
    const f = toOciSeccomp(parseSeccompProfile(JSON.stringify(profile)), {
      capabilities: DEFAULT_CAPABILITIES,
      ...AMD64,
    });
    expect(f).toEqual({
      defaultAction: 'SCMP_ACT_ERRNO',
      defaultErrnoRet: 1,
      architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86'],
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
        { names: ['ptrace'], action: 'SCMP_ACT_ALLOW' },
        { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
      ],
    });
    const arm = toOciSeccomp(parseSeccompProfile(JSON.stringify(profile)), {
      capabilities: [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN'],
      goArch: 'arm64',
      kernel: '4.4',
    });
    expect(arm.architectures).toEqual(['SCMP_ARCH_AARCH64']);
    expect(arm.syscalls!.map((r) => r.names[0])).toEqual(['read', 'mount']);
  });

  it.each<[string, string, string | RegExp]>([
    ['not JSON', '{"defaultAction":', /^Decoding seccomp profile failed: /],
    ['not an object', '[]', 'invalid seccomp profile: the profile must be a JSON object'],
    [
      'unknown default action',
      '{"defaultAction":"SCMP_ACT_MAYBE"}',
      'invalid seccomp profile: defaultAction: unknown action "SCMP_ACT_MAYBE"',
    ],
    ['notify', '{"defaultAction":"SCMP_ACT_NOTIFY"}', /SCMP_ACT_NOTIFY is not supported/],
    [
      'both name and names',
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"name":"a","names":["b"],"action":"SCMP_ACT_ERRNO"}]}',
      "invalid seccomp profile: 'name' and 'names' were specified in the seccomp profile, use either 'name' or 'names'",
    ],
    [
      'both architectures and archMap',
      '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_X86"],"archMap":[{"architecture":"SCMP_ARCH_X86_64"}]}',
      /use either 'architectures' or 'archMap'$/,
    ],
    [
      'unknown architecture',
      '{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}',
      'invalid seccomp profile: unknown architecture "SCMP_ARCH_Z80"',
    ],
    [
      'bad operator',
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","args":[{"index":0,"value":1,"op":"LIKE"}]}]}',
      'invalid seccomp profile: syscalls[0].args[0]: unknown operator "LIKE"',
    ],
    [
      'arg index 6',
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a"],"action":"SCMP_ACT_ERRNO","args":[{"index":6,"value":1,"op":"SCMP_CMP_EQ"}]}]}',
      'invalid seccomp profile: syscalls[0].args[0].index must be 0 to 5',
    ],
    [
      'no names',
      '{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO"}]}',
      /syscalls\[0\] must name syscalls/,
    ],
  ])('a bad profile is a 400 at create (%s)', (_what, json, message) => {
    expectError(
      thrown(() => verifyHostConfig(hc({ SecurityOpt: [`seccomp=${json}`] }), HOST)),
      { type: 'InvalidParameter', message },
    );
  });
});

describe('confinementOf: which filter and capabilities a hostConfig means', () => {
  it.each<[string, Partial<HostConfig>, 'default' | 'none' | 'profile', number]>([
    ['nothing set: the default filter', {}, 'default', DEFAULT_CAPABILITIES.length],
    ['seccomp=builtin', { SecurityOpt: ['seccomp=builtin'] }, 'default', DEFAULT_CAPABILITIES.length],
    ['seccomp=unconfined: no filter', { SecurityOpt: ['seccomp=unconfined'] }, 'none', DEFAULT_CAPABILITIES.length],
    [
      'a profile',
      { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_LOG"}'] },
      'profile',
      DEFAULT_CAPABILITIES.length,
    ],
    [
      'privileged: no filter whatever the option says',
      { Privileged: true, SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_LOG"}'] },
      'none',
      ALL_CAPABILITIES.length,
    ],
  ])('%s', (_what, over, filter, ncaps) => {
    const c = confinementOf(hc(over));
    const kind = c.seccomp === undefined ? 'none' : c.seccomp === DEFAULT_SECCOMP_PROFILE ? 'default' : 'profile';
    expect([kind, c.capabilities.length, c.privileged]).toEqual([filter, ncaps, over.Privileged ?? false]);
  });
});

describe('buildSpec: confinement in config.json', () => {
  const input = (over: Partial<SpecInput>): SpecInput => specInput(over);
  const mount = (s: ReturnType<typeof buildSpec>, d: string) => s.mounts.find((m) => m.destination === d)!;

  it("default: the filter, the capabilities given, masked and read-only paths, /sys read-only, no device but runc's", () => {
    const seccomp = toOciSeccomp(DEFAULT_SECCOMP_PROFILE, { capabilities: DEFAULT_CAPABILITIES, ...AMD64 });
    const s = buildSpec(input({ seccomp, capabilities: ['CAP_KILL'] }));
    expect(s.linux.seccomp).toEqual(seccomp);
    expect(s.process.capabilities).toEqual({
      bounding: ['CAP_KILL'],
      effective: ['CAP_KILL'],
      permitted: ['CAP_KILL'],
    });
    expect(s.linux.maskedPaths).toEqual(DEFAULT_MASKED_PATHS);
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
    expect(mount(s, '/sys').options).toContain('ro');
    expect(s.linux.resources.devices).toEqual([{ allow: false, access: 'rwm' }]);
    expect(s.linux.devices).toBeUndefined();
  });

  it('unconfined: no linux.seccomp at all', () => {
    expect('seccomp' in buildSpec(input({})).linux).toBe(false);
  });

  it("privileged: no masked or read-only paths, /sys and cgroup writable, every device allowed and the host's created", () => {
    const dev = { path: '/dev/loop0', type: 'b' as const, major: 7, minor: 0, fileMode: 0o660, uid: 0, gid: 6 };
    const s = buildSpec(input({ privileged: true, capabilities: ALL_CAPABILITIES, devices: [dev] }));
    expect([s.linux.maskedPaths, s.linux.readonlyPaths]).toEqual([[], []]);
    expect(mount(s, '/sys').options).not.toContain('ro');
    expect(mount(s, '/sys/fs/cgroup').options).not.toContain('ro');
    expect(s.linux.resources.devices).toEqual([{ allow: true, access: 'rwm' }]);
    expect(s.linux.devices).toEqual([dev]);
    expect(s.process.capabilities.bounding).toHaveLength(ALL_CAPABILITIES.length);
  });
});

describe('the CLI: --cap-add, --cap-drop, --privileged, --security-opt seccomp=FILE', () => {
  const flags = createFlags;

  it("sends Docker's normalized lists and Privileged", () => {
    const req = parseCreate(flags({ capAdd: ['net_admin'], capDrop: ['all'], privileged: true }), 'busybox', ['true']);
    expect(req.hostConfig).toEqual({ CapAdd: ['CAP_NET_ADMIN'], CapDrop: ['ALL'], Privileged: true });
    expect(parseCreate(flags({}), 'busybox', ['true']).hostConfig).toBeUndefined();
  });

  it('reads a profile file and sends its compacted content, as the docker CLI does; unconfined and builtin stay names', () => {
    const files: Record<string, string> = {
      '/p.json':
        '{\n  "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [ { "names": ["a b"], "action": "SCMP_ACT_LOG" } ]\n}\n',
    };
    const read = (p: string) => {
      if (!(p in files)) throw Object.assign(new Error('nope'), { code: 'ENOENT' });
      return files[p]!;
    };
    const req = parseCreate(
      flags({ securityOpt: ['seccomp=/p.json', 'seccomp=unconfined', 'seccomp:builtin', 'no-new-privileges'] }),
      'busybox',
      ['true'],
      {},
      read,
    );
    expect(req.hostConfig?.SecurityOpt).toEqual([
      'seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["a b"],"action":"SCMP_ACT_LOG"}]}',
      'seccomp=unconfined',
      'seccomp:builtin',
      'no-new-privileges',
    ]);
  });

  it.each<[string, string, RegExp]>([
    [
      'a missing file',
      'seccomp=/nosuch.json',
      /^opening seccomp profile \(\/nosuch\.json\) failed: open \/nosuch\.json: no such file or directory\. See 'container-saga create --help'\.$/,
    ],
    ['malformed JSON', 'seccomp=/bad.json', /^compacting json for seccomp profile \(\/bad\.json\) failed: /],
  ])('%s: a usage error (exit 125), nothing sent', (_what, opt, message) => {
    const read = (p: string) => {
      if (p === '/bad.json') return '{"defaultAction": ';
      throw Object.assign(new Error('nope'), { code: 'ENOENT' });
    };
    let err: unknown;
    try {
      inlineSeccompProfiles([opt], read);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(125);
    expect((err as CliError).message).toMatch(message);
  });

  it('compactJson keeps strings (spaces, escaped quotes) and numbers as written', () => {
    expect(compactJson('{ "a" : "x \\" y" ,\n "n": 18446744073709551615 }')).toBe(
      '{"a":"x \\" y","n":18446744073709551615}',
    );
  });
});

describe('the Engine API: CapAdd, CapDrop, Privileged in the create body and in inspect', () => {
  it("converts them (a string is a one-item list, as Docker's StrSlice)", () => {
    const req = toCreateRequest(
      {
        Image: 'busybox',
        Cmd: ['true'],
        HostConfig: { CapAdd: 'NET_ADMIN', CapDrop: ['chown'], Privileged: true, SecurityOpt: ['seccomp=unconfined'] },
      },
      null,
    );
    expect(req.hostConfig).toEqual({
      CapAdd: ['NET_ADMIN'],
      CapDrop: ['chown'],
      Privileged: true,
      SecurityOpt: ['seccomp=unconfined'],
    });
  });

  it('refuses a wrong type with a 400 naming the field', () => {
    expect(
      apiStatus(() => toCreateRequest({ Image: 'busybox', Cmd: ['true'], HostConfig: { Privileged: 'yes' } }, null))[0],
    ).toBe(400);
    expect(
      apiStatus(() => toCreateRequest({ Image: 'busybox', Cmd: ['true'], HostConfig: { CapAdd: [1] } }, null)),
    ).toEqual([400, expect.stringContaining('HostConfig.CapAdd')]);
  });

  it('inspect shows them as Docker does: the lists or null, Privileged', () => {
    const on = inspectJson(
      record({
        Id: hexId('a1'),
        Name: '/a',
        HostConfig: hc({
          CapAdd: ['CAP_NET_ADMIN'],
          CapDrop: ['ALL'],
          Privileged: true,
          SecurityOpt: ['seccomp=unconfined'],
        }),
      }),
    );
    expect(on.HostConfig).toMatchObject({
      CapAdd: ['CAP_NET_ADMIN'],
      CapDrop: ['ALL'],
      Privileged: true,
      SecurityOpt: ['seccomp=unconfined'],
    });
    const off = inspectJson(record({ Id: hexId('a2'), Name: '/b' }));
    expect(off.HostConfig).toMatchObject({ CapAdd: null, CapDrop: null, Privileged: false, SecurityOpt: null });
  });
});

/** Pure parts of the Linux driver: no root, no system changes. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultHostConfig } from '../../common/types';
import { bridgeConfig, settingsFromResult, type CniNetwork } from '../../runtime/drivers/linux/cni';
import { hostsFile } from '../../runtime/drivers/linux/etc-files';
import { execPaths } from '../../runtime/exec-layout';
import { runExec } from '../../runtime/drivers/linux/exec-process';
import { Layout, netnsName } from '../../runtime/drivers/layout';
import { mountAt, mountsUnder, parseMountInfo, superOption } from '../../runtime/drivers/linux/mountinfo';
import { classifyStartError, exitCodeOf, lastRuncError } from '../../runtime/drivers/linux/runc';
import { buildSpec, DEFAULT_CAPABILITIES, type SpecInput } from '../../runtime/drivers/linux/spec';
import { volumeMounts } from '../../runtime/steps/volumes';
import { specInput } from '../unit/helpers';

const ID = 'ab'.repeat(32);

/** The shared spec fixture (test/unit/helpers.ts) as a bridge container with its own IPC would have it. */
function input(over: Partial<SpecInput> = {}): SpecInput {
  return specInput({
    id: ID,
    args: ['sh', '-c', 'true'],
    env: ['PATH=/bin', 'HOSTNAME=h'],
    rootfs: '/r/containers/x/rootfs',
    netnsPath: '/run/netns/cs-abababababab',
    ipc: { kind: 'private', shm: '/r/containers/x/shm' },
    etc: { hostname: '/b/hostname', hosts: '/b/hosts', resolvConf: '/b/resolv.conf' },
    cgroupsPath: `/container-saga/${ID}`,
    ...over,
  });
}

const ns = (s: ReturnType<typeof buildSpec>) =>
  Object.fromEntries(s.linux.namespaces.map((n) => [n.type, n.path ?? 'new']));
const dest = (s: ReturnType<typeof buildSpec>, d: string) => s.mounts.find((m) => m.destination === d);

describe('buildSpec (pure OCI config.json)', () => {
  it('builds process, root, hostname and the default namespaces for bridge + private IPC', () => {
    const s = buildSpec(input());
    expect(s.process).toMatchObject({
      args: ['sh', '-c', 'true'],
      env: ['PATH=/bin', 'HOSTNAME=h'],
      cwd: '/',
      terminal: false,
      user: { uid: 0, gid: 0 },
    });
    expect(s.root).toEqual({ path: '/r/containers/x/rootfs', readonly: false });
    expect(s.hostname).toBe('h');
    expect(ns(s)).toEqual({ pid: 'new', ipc: 'new', uts: 'new', mount: 'new', network: '/run/netns/cs-abababababab' });
    expect(s.process.capabilities.bounding).toEqual(DEFAULT_CAPABILITIES);
    expect(s.process.capabilities.bounding).toHaveLength(14);
    expect(s.linux.maskedPaths).toContain('/proc/kcore');
    expect(s.linux.readonlyPaths).toContain('/proc/sys');
    expect(s.linux.cgroupsPath).toBe(`/container-saga/${ID}`);
    expect(s.linux.resources).toEqual({ devices: [{ allow: false, access: 'rwm' }] });
  });

  it('mounts the standard filesystems, /dev/shm from the IPC tmpfs and the etc files', () => {
    const s = buildSpec(input());
    for (const d of ['/proc', '/dev', '/dev/pts', '/dev/mqueue', '/sys']) expect(dest(s, d)).toBeDefined();
    expect(dest(s, '/sys')!.options).toContain('ro');
    expect(dest(s, '/dev/shm')).toMatchObject({ type: 'bind', source: '/r/containers/x/shm' });
    expect(dest(s, '/etc/hosts')).toMatchObject({ type: 'bind', source: '/b/hosts' });
    expect(dest(s, '/etc/hostname')).toMatchObject({ source: '/b/hostname' });
    expect(dest(s, '/etc/resolv.conf')).toMatchObject({ source: '/b/resolv.conf' });
  });

  it('host networking has no network namespace, but keeps its own UTS namespace', () => {
    const s = buildSpec(input({ netnsPath: undefined }));
    expect(ns(s).network).toBeUndefined();
    expect(ns(s).uts).toBe('new');
  });

  it('ipc host: no IPC namespace, host /dev/shm, no mqueue; join: the peer namespace path; none: no /dev/shm', () => {
    const host = buildSpec(input({ ipc: { kind: 'host' } }));
    expect(ns(host).ipc).toBeUndefined();
    expect(dest(host, '/dev/shm')!.source).toBe('/dev/shm');
    expect(dest(host, '/dev/mqueue')).toBeUndefined();
    const join = buildSpec(input({ ipc: { kind: 'join', nsPath: '/proc/42/ns/ipc', shm: '/r/containers/y/shm' } }));
    expect(ns(join).ipc).toBe('/proc/42/ns/ipc');
    expect(dest(join, '/dev/shm')!.source).toBe('/r/containers/y/shm');
    const none = buildSpec(input({ ipc: { kind: 'none' } }));
    expect(ns(none).ipc).toBe('new');
    expect(dest(none, '/dev/shm')).toBeUndefined();
  });

  it('sets memory, cpu and pids limits only when asked, readonly rootfs, no-new-privileges, cwd', () => {
    const s = buildSpec(
      input({
        memory: 64 * 1024 * 1024,
        nanoCpus: 1.5e9,
        pidsLimit: 50,
        readonlyRootfs: true,
        noNewPrivileges: true,
        cwd: '/srv/app',
      }),
    );
    expect(s.linux.resources.memory).toEqual({ limit: 64 * 1024 * 1024 });
    expect(s.linux.resources.cpu).toEqual({ quota: 150_000, period: 100_000 });
    expect(s.linux.resources.pids).toEqual({ limit: 50 });
    expect(s.root.readonly).toBe(true);
    expect(s.process.noNewPrivileges).toBe(true);
    expect(s.process.cwd).toBe('/srv/app');
    expect(dest(s, '/etc/hosts')!.options).toContain('ro');
  });

  it('appends volumes after the standard mounts, binds rbind (ro when asked), tmpfs with its options', () => {
    const vols = volumeMounts(
      { Binds: ['/srv/data:/data:ro', 'cache:/var/cache'], Tmpfs: { '/run/x': 'size=1m' } },
      (n) => `/r/volumes/${n}/_data`,
    );
    const s = buildSpec(input({ volumes: vols }));
    expect(dest(s, '/data')).toEqual({
      destination: '/data',
      type: 'bind',
      source: '/srv/data',
      options: ['rbind', 'rprivate', 'ro'],
    });
    expect(dest(s, '/var/cache')).toMatchObject({
      type: 'bind',
      source: '/r/volumes/cache/_data',
      options: ['rbind', 'rprivate', 'rw'],
    });
    expect(dest(s, '/run/x')).toMatchObject({ type: 'tmpfs', options: ['nosuid', 'nodev', 'noexec', 'size=1m'] });
    const order = s.mounts.map((m) => m.destination);
    expect(order.indexOf('/data')).toBeGreaterThan(order.indexOf('/etc/resolv.conf'));
  });
});

describe('volumeMounts', () => {
  it('orders mounts parents first, then by name', () => {
    const v = volumeMounts({ Binds: ['/a:/x/y/z', 'v1:/x', '/b:/w/'], Tmpfs: { '/x/y': '' } }, (n) => `/vol/${n}`);
    expect(v.map((m) => m.destination)).toEqual(['/w', '/x', '/x/y', '/x/y/z']);
    expect(v.find((m) => m.destination === '/x')).toMatchObject({ kind: 'volume', name: 'v1', source: '/vol/v1' });
  });

  it('rejects a volume name that could escape the volumes directory', () => {
    expect(() => volumeMounts({ Binds: ['../etc:/x'], Tmpfs: {} }, (n) => n)).toThrow(
      expect.objectContaining({ type: 'InvalidMount' }),
    );
  });
});

describe('mountinfo', () => {
  const text = [
    '27 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw',
    '42 27 254:0 /run/netns /run/netns rw,relatime shared:1 - ext4 /dev/vda rw',
    '43 42 0:4 net:[4026532177] /run/netns/cs-0123456789ab rw shared:2 - nsfs nsfs rw',
    '50 27 0:50 / /var/lib/cs\\040x/containers/abc/rootfs rw,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w',
    '51 27 0:51 / /var/lib/cs\\040x/containers/abc/shm rw - tmpfs shm rw,size=65536k,mode=1777',
    '52 50 0:51 / /var/lib/cs\\040x/containers/abc/rootfs rw - tmpfs none rw',
  ].join('\n');
  const m = parseMountInfo(text);

  it('parses fields, optional fields and octal escapes', () => {
    expect(m).toHaveLength(6);
    expect(m[2]).toMatchObject({
      root: 'net:[4026532177]',
      mountPoint: '/run/netns/cs-0123456789ab',
      fsType: 'nsfs',
      optional: ['shared:2'],
    });
    expect(m[3]!.mountPoint).toBe('/var/lib/cs x/containers/abc/rootfs');
    expect(m[3]!.optional).toEqual([]);
    expect(superOption(m[3]!, 'upperdir')).toBe('/u');
  });

  it('finds the topmost mount at a path and the mounts below a directory', () => {
    expect(mountAt(m, '/var/lib/cs x/containers/abc/rootfs')!.fsType).toBe('tmpfs');
    expect(mountsUnder(m, '/var/lib/cs x')).toHaveLength(3);
    expect(mountsUnder(m, '/var/lib/cs')).toHaveLength(0);
  });
});

describe('CNI', () => {
  const net: CniNetwork = {
    name: 'container-saga',
    bridge: 'cs0',
    subnet: '10.88.0.0/16',
    dataDir: '/r/cni/ipam',
    hostNetns: 'container-saga-host',
  };
  const result = {
    cniVersion: '1.0.0',
    interfaces: [
      { name: 'cs0', mac: 'aa' },
      { name: 'veth1', mac: 'bb' },
      { name: 'eth0', mac: 'b6:49:0a:18:de:5e', sandbox: '/run/netns/cs-x' },
    ],
    ips: [{ interface: 2, address: '10.88.0.2/16', gateway: '10.88.0.1' }],
  };

  it('configures bridge + host-local with isGateway, no masquerade, the dataDir, and prevResult on DEL', () => {
    expect(bridgeConfig(net)).toEqual({
      cniVersion: '1.0.0',
      name: 'container-saga',
      type: 'bridge',
      bridge: 'cs0',
      isGateway: true,
      ipMasq: false,
      ipam: {
        type: 'host-local',
        ranges: [[{ subnet: '10.88.0.0/16' }]],
        routes: [{ dst: '0.0.0.0/0' }],
        dataDir: '/r/cni/ipam',
      },
    });
    expect(bridgeConfig(net, result).prevResult).toBe(result);
  });

  it('reads NetworkSettings from the sandbox interface of an ADD result', () => {
    expect(settingsFromResult(result, '/run/netns/cs-x')).toEqual({
      IPAddress: '10.88.0.2',
      IPPrefixLen: 16,
      Gateway: '10.88.0.1',
      MacAddress: 'b6:49:0a:18:de:5e',
      SandboxKey: '/run/netns/cs-x',
    });
  });

  it('names the netns after the first 12 hex digits of the ID', () => {
    expect(netnsName(ID)).toBe('cs-abababababab');
  });
});

describe('start errors', () => {
  it('reads the last error from runc json log lines', () => {
    const log = [
      '{"level":"warning","msg":"x","time":"t"}',
      '{"level":"error","msg":"runc run failed: unable to start container process: exec: \\"nosuch\\": executable file not found in $PATH","time":"t"}',
    ].join('\n');
    expect(lastRuncError(log)).toBe(
      'runc run failed: unable to start container process: exec: "nosuch": executable file not found in $PATH',
    );
  });

  it('classifies like Docker: 127 not found, 126 not invocable, 128 otherwise', () => {
    const nf = classifyStartError(
      'unable to start container process: exec: "nosuch": executable file not found in $PATH',
    );
    expect([nf.type, exitCodeOf(nf), nf.retryable]).toEqual(['CommandNotFound', 127, false]);
    const abs = classifyStartError(
      'unable to start container process: exec: "/nope": stat /nope: no such file or directory',
    );
    expect(abs.type).toBe('CommandNotFound');
    const perm = classifyStartError('unable to start container process: exec: "/etc/passwd": permission denied');
    expect([perm.type, exitCodeOf(perm)]).toEqual(['CommandNotInvocable', 126]);
    const mount = classifyStartError('error mounting "/x" to rootfs at "/y": no such file or directory');
    expect([mount.type, exitCodeOf(mount)]).toEqual(['StartFailed', 128]);
  });
});

describe('etc files', () => {
  it('hosts has localhost, the link entries and then the own address (appended last, as Docker does)', () => {
    const h = hostsFile('web', '10.88.0.5', ['10.88.0.4\tdb other']);
    expect(h).toContain('127.0.0.1\tlocalhost\n');
    expect(h).toContain('10.88.0.4\tdb other\n');
    expect(h.trimEnd().endsWith('10.88.0.5\tweb')).toBe(true);
    expect(hostsFile('web', '', [])).not.toContain('web');
  });

  it('default host config has no binds', () => {
    expect(volumeMounts(defaultHostConfig(), (n) => n)).toEqual([]);
  });
});

describe('exec wait (files only, no runc)', () => {
  // A quick `exec … echo hello` may run and end between two looks of the wait, which then sees the exit
  // file first: the start must still be reported (no `exec_die` without its `exec_start`).
  it('an exec found ended with its pid file present is reported started, then ended', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-exec-wait-'));
    try {
      const l = new Layout(root);
      const execId = 'cd'.repeat(32);
      const p = execPaths(l, ID, execId);
      await fs.mkdir(p.dir, { recursive: true });
      await fs.writeFile(p.pid, '4242\n');
      await fs.writeFile(p.exit, '0\n');
      const starts: number[] = [];
      const out = await runExec(
        l,
        ID,
        { execId, args: ['echo', 'hello'], env: [], cwd: '' },
        { onStart: async (pid) => void starts.push(pid) },
      );
      expect(out).toEqual({ exitCode: 0 });
      expect(starts).toEqual([4242]);
      // one that never started (no pid file: runc's own error) is not
      const never = 'ef'.repeat(32);
      const q = execPaths(l, ID, never);
      await fs.mkdir(q.dir, { recursive: true });
      await fs.writeFile(q.exit, '1\n');
      await runExec(
        l,
        ID,
        { execId: never, args: ['nosuch'], env: [], cwd: '' },
        { onStart: async (pid) => void starts.push(pid) },
      );
      expect(starts).toEqual([4242]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

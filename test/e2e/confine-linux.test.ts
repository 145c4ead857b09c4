import { mkdtempSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { inspect, list } from '../../client/api';
import { linuxApiSuite } from '../api-harness';
import { cli } from '../harness';
import { testNetwork } from '../linux-fixture';

// Confinement of real containers (runc): the default seccomp filter, seccomp=unconfined and a profile file,
// --cap-add/--cap-drop, --privileged, CONTAINER_SAGA_BIND_ALLOW, and the modes of the state files. Through
// the CLI (`run` prints the container's output). Needs root: without it every test FAILS with the reason.

const NET = testNetwork('e2e/confine-linux');
/** the one directory binds may come from (CONTAINER_SAGA_BIND_ALLOW) on this file's worker; no other test binds */
const ALLOWED = mkdtempSync('/tmp/cs-allow-');
afterAll(() => rm(ALLOWED, { recursive: true, force: true }));
// this file runs the privileged settings the policy refuses by default (policy-linux.test.ts refuses them)
const suite = linuxApiSuite('cs-e2e-confine', NET, {
  bindAllow: [ALLOWED],
  policyAllow: ['cap:ALL', 'privileged', 'seccomp-profile', 'seccomp-unconfined'],
});
const rootIt = suite.it;

/** What the container reports about itself: its seccomp mode, effective capabilities, and what it tried. */
const PROBE = [
  'grep -E "^(Seccomp|CapEff):" /proc/self/status',
  'unshare -U true 2>&1; echo "unshare=$?"',
  'mkdir -p /tmp/m; mount -t tmpfs none /tmp/m 2>&1; echo "mount=$?"',
  // a masked file is /dev/null bound over it (this kernel has no /proc/kcore)
  '[ -c /proc/keys ] && echo keys=masked || echo keys=visible',
  'grep " /sys sysfs " /proc/mounts | cut -d" " -f4 | cut -d, -f1 | sed "s/^/sys=/"',
].join('; ');

/** `run --rm busybox sh -c PROBE` with these flags: its output as KEY → value. */
async function probe(
  flags: string[],
  script = PROBE,
): Promise<{ code: number; out: Record<string, string>; raw: string }> {
  const r = await cli(suite.w, ['run', '--rm', ...flags, 'busybox', 'sh', '-c', script]);
  const out: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Za-z]+)(?::\s*|=)(.*)$/.exec(line.trim());
    if (m) out[m[1]!] = m[2]!.trim();
  }
  return { code: r.code, out, raw: r.stdout + r.stderr };
}

/** /proc/<pid>/status's CapEff for a set of capability numbers. */
const capEff = (...bits: number[]) =>
  bits
    .reduce((a, b) => a | (1n << BigInt(b)), 0n)
    .toString(16)
    .padStart(16, '0');
// Docker's defaults: CHOWN 0, DAC_OVERRIDE 1, FOWNER 3, FSETID 4, KILL 5, SETGID 6, SETUID 7, SETPCAP 8,
// NET_BIND_SERVICE 10, NET_RAW 13, SYS_CHROOT 18, MKNOD 27, AUDIT_WRITE 29, SETFCAP 31
const DEFAULT_CAPEFF = capEff(0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 27, 29, 31);

describe('confinement of real containers (Linux driver)', () => {
  rootIt(
    "by default: seccomp mode 2 (filter), Docker's capabilities, unshare of a user namespace EPERM, mount EPERM, masked paths, /sys ro",
    async () => {
      const { code, out, raw } = await probe([]);
      expect(code, raw).toBe(0);
      expect(out, raw).toMatchObject({
        Seccomp: '2',
        CapEff: DEFAULT_CAPEFF,
        unshare: '1',
        mount: '1',
        keys: 'masked',
        sys: 'ro',
      });
      expect(raw).toContain('unshare(0x10000000): Operation not permitted');
    },
  );

  rootIt('seccomp=unconfined: no filter (mode 0), so the same unshare succeeds; capabilities unchanged', async () => {
    const { out, raw } = await probe(['--security-opt', 'seccomp=unconfined']);
    expect(out, raw).toMatchObject({ Seccomp: '0', CapEff: DEFAULT_CAPEFF, unshare: '0', keys: 'masked' });
  });

  rootIt(
    "--cap-add SYS_ADMIN lifts the filter's namespace and mount rules (still mode 2): unshare and mount succeed",
    async () => {
      const { out, raw } = await probe(['--cap-add', 'sys_admin']);
      expect(out, raw).toMatchObject({
        Seccomp: '2',
        CapEff: capEff(0, 1, 3, 4, 5, 6, 7, 8, 10, 13, 18, 21, 27, 29, 31),
        unshare: '0',
        mount: '0',
      });
    },
  );

  rootIt('--cap-drop ALL --cap-add NET_ADMIN: CapEff is NET_ADMIN alone', async () => {
    const { out, raw } = await probe(['--cap-drop', 'ALL', '--cap-add', 'NET_ADMIN']);
    expect(out, raw).toMatchObject({ Seccomp: '2', CapEff: capEff(12) });
  });

  rootIt(
    "--privileged: every capability, no filter, unmasked /proc/keys, /sys writable, the host's devices",
    async () => {
      const { out, raw } = await probe(['--privileged'], `${PROBE}; ls /dev | grep -c . | sed "s/^/devices=/"`);
      // every capability this host's bounding set has (a VM may lack some)
      const hostBnd = /^CapBnd:\s*([0-9a-f]+)$/m.exec(await readFile('/proc/self/status', 'utf8'))![1];
      expect(out, raw).toMatchObject({
        Seccomp: '0',
        CapEff: hostBnd,
        unshare: '0',
        mount: '0',
        keys: 'visible',
        sys: 'rw',
      });
      // more than runc's defaults (null, zero, full, tty, random, urandom, …)
      expect(Number(out.devices)).toBeGreaterThan(8);
    },
  );

  rootIt(
    "seccomp=<profile.json>: the CLI sends the file's content and runc loads it (mkdir gets the profile's EACCES)",
    async () => {
      const dir = await mkdtemp('/tmp/cs-seccomp-');
      try {
        const file = path.join(dir, 'profile.json');
        await writeFile(
          file,
          JSON.stringify(
            {
              defaultAction: 'SCMP_ACT_ALLOW',
              syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
            },
            null,
            2,
          ),
        );
        const { out, raw } = await probe(
          ['--security-opt', `seccomp=${file}`],
          'grep "^Seccomp:" /proc/self/status; mkdir /tmp/x 2>&1; echo "mkdir=$?"; unshare -U true; echo "unshare=$?"',
        );
        expect(out, raw).toMatchObject({ Seccomp: '2', mkdir: '1', unshare: '0' });
        expect(raw).toContain("mkdir: can't create directory '/tmp/x': Permission denied");
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  rootIt('a bad profile or capability is refused at create (400), nothing created', async () => {
    const before = (await list(suite.w.session, true)).length;
    const dir = await mkdtemp('/tmp/cs-seccomp-');
    await writeFile(path.join(dir, 'bad.json'), '{"defaultAction": "SCMP_ACT_NOPE"}');
    const bad = await cli(suite.w, ['create', '--security-opt', `seccomp=${dir}/bad.json`, 'busybox', 'true']);
    await rm(dir, { recursive: true, force: true });
    expect([bad.code, bad.stderr]).toEqual([
      1,
      'Error response from daemon: invalid seccomp profile: defaultAction: unknown action "SCMP_ACT_NOPE"\n',
    ]);
    const cap = await cli(suite.w, ['create', '--cap-add', 'BOGUS', 'busybox', 'true']);
    expect([cap.code, cap.stderr]).toEqual([
      1,
      'Error response from daemon: invalid CapAdd: unknown capability: "CAP_BOGUS"\n',
    ]);
    const missing = await cli(suite.w, ['create', '--security-opt', 'seccomp=/nosuch/profile.json', 'busybox', 'true']);
    expect(missing.code).toBe(125);
    expect(missing.stderr).toMatch(
      /opening seccomp profile \(\/nosuch\/profile\.json\) failed: open \/nosuch\/profile\.json: no such file or directory/,
    );
    expect((await list(suite.w.session, true)).length).toBe(before);
  });

  rootIt('inspect shows CapAdd, CapDrop, Privileged and SecurityOpt as Docker does', async () => {
    const c = await cli(suite.w, [
      'create',
      '--cap-add',
      'net_admin',
      '--cap-drop',
      'mknod',
      '--privileged',
      '--security-opt',
      'seccomp=unconfined',
      'busybox',
      'true',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const rec = await inspect(suite.w.session, c.stdout.trim());
    expect(rec.HostConfig).toMatchObject({
      CapAdd: ['CAP_NET_ADMIN'],
      CapDrop: ['CAP_MKNOD'],
      Privileged: true,
      SecurityOpt: ['seccomp=unconfined'],
    });
    const j = await cli(suite.w, [
      'inspect',
      '--format',
      '{{json .HostConfig.CapAdd}} {{.HostConfig.Privileged}}',
      rec.Id,
    ]);
    expect(j.stdout).toBe('["CAP_NET_ADMIN"] true\n');
  });

  rootIt(
    'CONTAINER_SAGA_BIND_ALLOW: a bind outside (even through a symlink) is refused at create, 403 → exit 1; inside runs',
    async () => {
      const dir = ALLOWED;
      await writeFile(path.join(dir, 'hello'), 'inside\n');
      const before = (await list(suite.w.session, true)).length;
      const out = await cli(suite.w, ['create', '-v', `${dir}/../../etc:/x`, 'busybox', 'true']);
      expect([out.code, out.stderr]).toEqual([
        1,
        `Error response from daemon: bind mount source ${dir}/../../etc resolves to /etc, which is outside the directories bind mounts may come from (CONTAINER_SAGA_BIND_ALLOW=${dir})\n`,
      ]);
      expect((await list(suite.w.session, true)).length).toBe(before);
      const ok = await cli(suite.w, ['run', '--rm', '-v', `${dir}:/data:ro`, 'busybox', 'cat', '/data/hello']);
      expect([ok.code, ok.stdout]).toEqual([0, 'inside\n']);
    },
  );

  rootIt('state files are for root alone: root, containers/<id>, bundle 0700; record, spec, log 0600', async () => {
    const c = await cli(suite.w, ['run', '-d', '-e', 'SECRET=s3cret', 'busybox', 'sleep', '100']);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    const mode = async (p: string) => ((await stat(path.join(suite.rt.root, p))).mode & 0o777).toString(8);
    const dirOf = `containers/${id}`;
    expect({
      root: await mode('.'),
      containers: await mode('containers'),
      container: await mode(dirOf),
      bundle: await mode(`${dirOf}/bundle`),
      record: await mode(`${dirOf}/config.json`),
      spec: await mode(`${dirOf}/bundle/config.json`),
      log: await mode(`${dirOf}/container.log`),
      events: await mode('events.jsonl'),
    }).toEqual({
      root: '700',
      containers: '700',
      container: '700',
      bundle: '700',
      record: '600',
      spec: '600',
      log: '600',
      events: '600',
    });
    // the rootfs is the image's, as it was
    expect(await mode(`${dirOf}/rootfs`)).toBe('755');
    await cli(suite.w, ['rm', '-f', id]);
  });
});

describe('the docker CLI against the Engine API: the same confinement', () => {
  const run = (args: string[]) => suite.docker(args);
  const status = async (flags: string[]) => {
    const r = await run(['run', '--rm', ...flags, 'busybox', 'grep', '-E', '^(Seccomp|CapEff):', '/proc/self/status']);
    expect(r.code, r.stderr).toBe(0);
    return r.stdout.replace(/\t/g, ' ');
  };

  rootIt(
    'docker run: default filter and capabilities; --cap-drop/--cap-add; seccomp=unconfined; --privileged',
    async () => {
      expect(await status([])).toBe(`CapEff: ${DEFAULT_CAPEFF}\nSeccomp: 2\n`);
      expect(await status(['--cap-drop', 'ALL', '--cap-add', 'net_admin'])).toBe(`CapEff: ${capEff(12)}\nSeccomp: 2\n`);
      expect(await status(['--security-opt', 'seccomp=unconfined'])).toBe(`CapEff: ${DEFAULT_CAPEFF}\nSeccomp: 0\n`);
      expect(await status(['--privileged'])).toMatch(/Seccomp: 0\n$/);
    },
  );

  rootIt('docker run --security-opt seccomp=FILE (docker sends the content); inspect shows what was sent', async () => {
    const dir = await mkdtemp('/tmp/cs-seccomp-');
    try {
      await writeFile(
        path.join(dir, 'p.json'),
        JSON.stringify({
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
        }),
      );
      const r = await run([
        'run',
        '--name',
        'prof',
        '--cap-add',
        'SYS_TIME',
        '--security-opt',
        `seccomp=${dir}/p.json`,
        'busybox',
        'mkdir',
        '/tmp/x',
      ]);
      expect([r.code, r.stdout, r.stderr]).toEqual([
        1,
        '',
        "mkdir: can't create directory '/tmp/x': Permission denied\n",
      ]);
      const i = await run([
        'inspect',
        '--format',
        '{{json .HostConfig.CapAdd}} {{.HostConfig.Privileged}} {{json .HostConfig.SecurityOpt}}',
        'prof',
      ]);
      // docker 20.10's CLI sends the name as typed, and the daemon keeps it so (newer CLIs normalize it)
      expect(i.stdout).toBe(
        '["SYS_TIME"] false ["seccomp={\\"defaultAction\\":\\"SCMP_ACT_ALLOW\\",\\"syscalls\\":[{\\"names\\":[\\"mkdir\\",\\"mkdirat\\"],\\"action\\":\\"SCMP_ACT_ERRNO\\",\\"errnoRet\\":13}]}"]\n',
      );
      await run(['rm', 'prof']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  rootIt(
    "an unknown capability and a bind outside CONTAINER_SAGA_BIND_ALLOW: Docker's error, nothing created",
    async () => {
      const before = (await list(suite.w.session, true)).length;
      const cap = await run(['create', '--cap-add', 'nope', 'busybox', 'true']);
      expect([cap.code, cap.stderr]).toEqual([
        1,
        'Error response from daemon: invalid CapAdd: unknown capability: "CAP_NOPE"\n',
      ]);
      const bind = await run(['create', '-v', '/etc:/x', 'busybox', 'true']);
      expect([bind.code, bind.stderr]).toEqual([
        1,
        `Error response from daemon: bind mount source /etc is outside the directories bind mounts may come from (CONTAINER_SAGA_BIND_ALLOW=${ALLOWED})\n`,
      ]);
      expect((await list(suite.w.session, true)).length).toBe(before);
    },
  );
});

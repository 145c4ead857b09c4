import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { runChecked } from '../../runtime/drivers/linux/exec';
import { readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';

// Anonymous volumes, copy-up, --mount and --volumes-from on the Linux driver (runc) through Debian's docker
// CLI. Needs root (CI runs as root); its own netns, bridge and subnet.

const suite = linuxApiSuite('cs-volmnt-linux', testNetwork('e2e/volume-mounts-linux'));
const rootIt = suite.it;
const run = (...args: string[]) => suite.docker(args);
const volumes = async () => (await run('volume', 'ls', '-q')).stdout.split('\n').filter(Boolean).sort();

describe('volume mounts (Linux driver, docker CLI)', () => {
  rootIt('run --rm -v /data: an anonymous volume the process writes to, gone with the container', async () => {
    const before = await volumes();
    const r = await run('run', '--rm', '-v', '/data', 'busybox', 'sh', '-c', 'echo x > /data/f && cat /data/f');
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'x\n', '']);
    await expect.poll(volumes, { timeout: 20_000 }).toEqual(before);
  });

  rootIt("a volume's first mount holds the image's content there, its owner and mode kept", async () => {
    const r = await run(
      'run',
      '--rm',
      '-v',
      'mnt-etc:/etc',
      '-v',
      '/root',
      'busybox',
      'sh',
      '-c',
      'head -1 /etc/passwd; stat -c %a /root',
    );
    expect([r.code, r.stdout, r.stderr]).toEqual([0, 'root:x:0:0:root:/root:/bin/sh\n700\n', '']);
    const nocopy = await run(
      'run',
      '--rm',
      '--mount',
      'type=volume,source=mnt-empty,target=/etc,volume-nocopy',
      'busybox',
      'ls',
      '-A',
      '/etc',
    );
    expect([nocopy.code, nocopy.stdout]).toEqual([0, '']);
    for (const v of ['mnt-etc', 'mnt-empty']) expect((await run('volume', 'rm', v)).code).toBe(0);
  });

  rootIt('--mount: a read-only bind, a sized tmpfs and a volume beside -v', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-mnt-'));
    await fs.writeFile(path.join(dir, 'f'), 'from host\n');
    const r = await run(
      'run',
      '--rm',
      '--mount',
      `type=bind,source=${dir},target=/b,readonly,bind-propagation=rprivate`,
      '--mount',
      'type=tmpfs,target=/t,tmpfs-size=1m,tmpfs-mode=1770',
      '--mount',
      'type=volume,source=mnt-v,target=/v',
      '-v',
      '/anon',
      'busybox',
      'sh',
      '-c',
      'cat /b/f; stat -c %a /t; grep " /t " /proc/mounts | grep -o size=1024k; touch /v/ok; touch /b/no',
    );
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('from host\n1770\nsize=1024k\n');
    expect(r.stderr).toBe('touch: /b/no: Read-only file system\n');
    const data = JSON.parse((await run('volume', 'inspect', 'mnt-v')).stdout) as Array<{ Mountpoint: string }>;
    await fs.stat(path.join(data[0]!.Mountpoint, 'ok'));
    expect((await run('volume', 'rm', 'mnt-v')).code).toBe(0);
    await fs.rm(dir, { recursive: true });
  });

  rootIt(
    '--mount bind-propagation=rslave: refused on a private mount (Docker), seen inside from a shared one',
    async () => {
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-prop-'));
      await fs.mkdir(path.join(dir, 'sub'));
      const mount = `type=bind,source=${dir},target=/b,bind-propagation=rslave`;
      try {
        // this machine's / is private (a shared one would let it through, as Docker)
        const shared = (await readMountInfo()).some(
          (m) => m.mountPoint === '/' && m.optional.some((o) => o.startsWith('shared:')),
        );
        if (!shared) {
          const refused = await run('run', '--rm', '--mount', mount, 'busybox', 'true');
          expect(refused.code).not.toBe(0);
          expect(refused.stderr).toContain(`path ${dir} is mounted on / but it is not a shared or slave mount`);
        }
        await runChecked('bind the dir on itself', 'mount', ['--bind', dir, dir]);
        await runChecked('make it shared', 'mount', ['--make-rshared', dir]);
        const started = await run('run', '-d', '--name', 'prop', '--mount', mount, 'busybox', 'sleep', '1000');
        expect(started.code, started.stderr).toBe(0);
        const inspected = JSON.parse((await run('inspect', '-f', '{{json .Mounts}}', 'prop')).stdout) as Array<{
          Propagation: string;
        }>;
        expect(inspected[0]!.Propagation).toBe('rslave');
        await runChecked('mount a tmpfs', 'mount', ['-t', 'tmpfs', 'tmpfs', path.join(dir, 'sub')]);
        const seen = await run('exec', 'prop', 'grep', '-c', ' /b/sub tmpfs ', '/proc/mounts');
        expect([seen.code, seen.stdout]).toEqual([0, '1\n']);
      } finally {
        await run('rm', '-f', 'prop');
        await runChecked('unmount', 'umount', ['-R', dir]).catch(() => undefined);
        await fs.rm(dir, { recursive: true });
      }
    },
  );

  rootIt(
    "--volumes-from: the source container's volume, read-only with :ro; rm -v of the source removes it",
    async () => {
      const src = await run(
        'run',
        '-d',
        '--name',
        'vf-src',
        '-v',
        '/shared',
        'busybox',
        'sh',
        '-c',
        'echo hi > /shared/f; sleep 1000',
      );
      expect(src.code, src.stderr).toBe(0);
      await expect
        .poll(async () => (await run('exec', 'vf-src', 'cat', '/shared/f')).stdout, { timeout: 10_000 })
        .toBe('hi\n');
      const r = await run(
        'run',
        '--rm',
        '--volumes-from',
        'vf-src:ro',
        'busybox',
        'sh',
        '-c',
        'cat /shared/f; touch /shared/g',
      );
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('hi\n');
      expect(r.stderr).toBe('touch: /shared/g: Read-only file system\n');
      const [anon] = JSON.parse((await run('inspect', '-f', '{{json .Mounts}}', 'vf-src')).stdout) as Array<{
        Name: string;
      }>;
      expect((await run('rm', '-f', '-v', 'vf-src')).code).toBe(0);
      expect(await volumes()).not.toContain(anon!.Name);
    },
  );
});

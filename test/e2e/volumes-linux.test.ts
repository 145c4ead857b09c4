import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect } from 'vitest';
import { linuxApiSuite } from '../api-harness';
import { testNetwork } from '../linux-fixture';

// Named volumes on the Linux driver through Debian's docker CLI: a volume made by `docker volume create` is
// mounted by one container that writes to it and by a second that reads it; it outlives both, is refused
// removal while a container uses it, and goes (its directory only) once none does. Needs root (CI runs as
// root); its own netns, bridge and subnet.

const suite = linuxApiSuite('cs-volumes-linux', testNetwork('e2e/volumes-linux'));
const rootIt = suite.it;
const run = (...args: string[]) => suite.docker(args);

describe('named volumes (Linux driver, docker CLI)', () => {
  rootIt('a created volume carries data from one container to the next, and is removed once unused', async () => {
    const made = await run('volume', 'create', '--label', 'suite=volumes-linux', 'shared');
    expect([made.code, made.stdout, made.stderr]).toEqual([0, 'shared\n', '']);
    const [vol] = JSON.parse((await run('volume', 'inspect', 'shared')).stdout) as Array<{ Mountpoint: string }>;

    const write = await run('run', '--rm', '-v', 'shared:/data', 'busybox', 'sh', '-c', 'echo hello > /data/f; id -u');
    expect([write.code, write.stdout, write.stderr]).toEqual([0, '0\n', '']);
    const read = await run('run', '--rm', '-v', 'shared:/data:ro', 'busybox', 'cat', '/data/f');
    expect([read.code, read.stdout, read.stderr]).toEqual([0, 'hello\n', '']);
    // the data is the volume's directory on the host, and a read-only mount cannot change it
    expect(await fs.readFile(path.join(vol!.Mountpoint, 'f'), 'utf8')).toBe('hello\n');
    const ro = await run('run', '--rm', '-v', 'shared:/data:ro', 'busybox', 'sh', '-c', 'echo x > /data/g');
    expect(ro.code).not.toBe(0);
    // (the container's stderr comes back on stdout: its log holds both streams as one)
    expect(ro.stdout + ro.stderr).toMatch(/Read-only file system/);

    // a stopped container still holds it
    const kept = await run('create', '--name', 'holder', '-v', 'shared:/data', 'busybox', 'true');
    expect(kept.code, kept.stderr).toBe(0);
    const refused = await run('volume', 'rm', 'shared');
    expect([refused.code, refused.stderr]).toEqual([
      1,
      `Error response from daemon: remove shared: volume is in use - [${kept.stdout.trim()}]\n`,
    ]);
    expect((await run('rm', 'holder')).code).toBe(0);
    const removed = await run('volume', 'rm', 'shared');
    expect([removed.code, removed.stdout]).toEqual([0, 'shared\n']);
    await expect(fs.stat(path.dirname(vol!.Mountpoint))).rejects.toThrow(/ENOENT/);
    expect((await run('volume', 'ls', '-q')).stdout).toBe('');
  });
});

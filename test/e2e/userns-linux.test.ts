import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject } from 'vitest';
import { getConfig } from '../../config';
import { REMAP_SIZE } from '../../config/userns-remap';
import { mountsUnder, readMountInfo } from '../../runtime/drivers/linux/mountinfo';
import { remappedStoreRoot } from '../../runtime/drivers/linux/userns';
import { imageStoreRoot } from '../../images/location';
import { ImageStore } from '../../images/store';
import { LayerStore } from '../../layers/store';
import { linuxApiSuite } from '../api-harness';
import { spawnWorker } from '../durability/worker-process';
import { testNetwork } from '../linux-fixture';

// CONTAINER_SAGA_USERNS_REMAP=default with real containers (runc), through Docker's CLI and the Engine API: the
// container's root is the range's first uid on the host, its files and named volumes belong to it, and nothing
// of the container is left after rm. Needs root (it creates the remap user and its ranges when absent).

const NET = testNetwork('e2e/userns-linux');
// what the worker reads from the variable (config/userns-remap.ts); only as root, which the suite needs anyway
const REMAP = process.getuid?.() === 0 ? getConfig({ CONTAINER_SAGA_USERNS_REMAP: 'default' }).usernsRemap : undefined;
const suite = linuxApiSuite('cs-e2e-userns', NET, { usernsRemap: REMAP });
const rootIt = suite.it;

async function ok(...args: string[]): Promise<string> {
  const r = await suite.docker(args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('user-namespace remapping (CONTAINER_SAGA_USERNS_REMAP=default, Linux driver)', () => {
  rootIt('root inside is the range start outside: id, uid_map, the process, its files, a named volume', async () => {
    const { uid, gid } = REMAP!;
    const probe = 'id; cat /proc/self/uid_map /proc/self/gid_map; grep " /sys " /proc/mounts | cut -d" " -f4';
    const out = await ok('run', '--rm', 'busybox', 'sh', '-c', probe);
    expect(out).toMatch(/^uid=0\(root\) gid=0\(root\)/);
    expect(out.split('\n')[3]).toMatch(/^ro,/); // the host's /sys, bound read-only
    const maps = out
      .split('\n')
      .slice(1, 3)
      .map((l) => l.trim().split(/\s+/).map(Number));
    expect(maps).toEqual([
      [0, uid, REMAP_SIZE],
      [0, gid, REMAP_SIZE],
    ]);

    const script = 'echo hi > /written && echo v > /data/f && touch /dev/shm/s && sleep 1000';
    await ok('run', '-d', '--name', 'u1', '-v', 'usvol:/data', 'busybox', 'sh', '-c', script);
    const [mode, pidText, id] = (await ok('inspect', '-f', '{{.HostConfig.UsernsMode}}|{{.State.Pid}}|{{.Id}}', 'u1'))
      .trim()
      .split('|') as [string, string, string];
    expect(mode).toBe(''); // Docker's: empty when the daemon remaps
    expect(await ok('exec', 'u1', 'sh', '-c', 'id -u; cat /data/f')).toBe('0\nv\n'); // runc exec joins the namespace
    const status = await readFile(`/proc/${pidText}/status`, 'utf8');
    expect(status).toMatch(new RegExp(`^Uid:\\s+${uid}\\s+${uid}\\s+${uid}\\s+${uid}$`, 'm'));
    expect(status).toMatch(new RegExp(`^Gid:\\s+${gid}\\s+${gid}\\s+${gid}\\s+${gid}$`, 'm'));
    const layout = suite.rt.layout;
    const owner = async (p: string) => {
      const st = await stat(p);
      return `${st.uid}:${st.gid}`;
    };
    await expect.poll(() => owner(path.join(layout.upper(id), 'written')).catch(() => 'absent')).toBe(`${uid}:${gid}`);
    expect(await owner(path.join(layout.volume('usvol'), 'f'))).toBe(`${uid}:${gid}`);
    expect(await owner(path.join(layout.shm(id), 's'))).toBe(`${uid}:${gid}`);
    // the layer's copy for the range: shifted owners, the setuid-free busybox still a symlink farm
    const images = new ImageStore(imageStoreRoot(layout.root));
    const [layer] = await images.layerDirs(await images.resolve('busybox'));
    const copy = new LayerStore(remappedStoreRoot(images.root, REMAP!)).diffDir(layer!.diffID);
    expect(await owner(path.join(copy, 'bin', 'busybox'))).toBe(`${uid}:${gid}`);
    expect(await owner(path.join(layer!.dir, 'bin', 'busybox'))).toBe('0:0');
    // the environment stays the host root's alone
    expect((await stat(path.join(layout.bundle(id), 'config.json'))).mode & 0o777).toBe(0o600);

    // container:u1 joins u1's user namespace with its network (the netns belongs to it), as Docker shares it
    const peer = await ok(
      'run',
      '--rm',
      '--network',
      'container:u1',
      'busybox',
      'sh',
      '-c',
      'id -u; cat /proc/self/uid_map',
    );
    expect(peer.split('\n')[0]).toBe('0');
    expect(peer.split('\n')[1]!.trim().split(/\s+/).map(Number)).toEqual([0, uid, REMAP_SIZE]);
    expect(await readFile(`/proc/${pidText}/uid_map`, 'utf8')).toMatch(
      new RegExp(`^\\s+0\\s+${uid}\\s+${REMAP_SIZE}$`, 'm'),
    );

    // stopped and started again: a new netns in a new user namespace, the same image copy
    await ok('stop', '-t', '1', 'u1');
    await ok('start', 'u1');
    expect(await ok('exec', 'u1', 'sh', '-c', 'id -u; cat /written')).toBe('0\nhi\n');

    await ok('rm', '-f', 'u1');
    expect(mountsUnder(await readMountInfo(), layout.containers)).toEqual([]);
    await expect(stat(layout.container(id))).rejects.toThrow(/ENOENT/);
    expect((await stat(copy)).isDirectory()).toBe(true); // kept, as Docker keeps its remapped layers
  });

  rootIt("a volume filled from the image: the image's owners inside, the range's outside", async () => {
    const { uid } = REMAP!;
    const out = await ok(
      'run',
      '--name',
      'uscp',
      '-v',
      '/root',
      '-v',
      '/etc',
      'busybox',
      'sh',
      '-c',
      'stat -c "%u %a" /root; stat -c %u /etc/passwd; touch /root/x && echo ok',
    );
    expect(out).toBe('0 700\n0\nok\n');
    const mounts = JSON.parse(await ok('inspect', '-f', '{{json .Mounts}}', 'uscp')) as Array<{ Source: string }>;
    for (const m of mounts) expect((await stat(m.Source)).uid).toBe(uid);
    await ok('rm', '-v', 'uscp');
    for (const m of mounts) await expect(stat(m.Source)).rejects.toThrow(/ENOENT/);
  });

  rootIt("--privileged, --network host and --ipc host are refused with Docker's messages", async () => {
    for (const [flag, msg] of [
      ['--privileged', 'privileged mode is incompatible with user namespaces'],
      ['--network=host', "cannot share the host's network namespace when user namespaces are enabled"],
      ['--ipc=host', "cannot share the host's IPC namespace when user namespaces are enabled"],
    ] as const) {
      const r = await suite.docker(['run', '--rm', flag, 'busybox', 'true']);
      expect(r.code, r.stderr).not.toBe(0);
      expect(r.stderr).toContain(msg);
    }
  });

  rootIt('a bad value stops the worker at start-up with a ConfigError naming the file and the fix', async () => {
    const dir = await mkdtemp('/tmp/cs-userns-bad-');
    try {
      const start = (value: string) =>
        spawnWorker({
          TEMPORAL_ADDRESS: inject('temporalAddress'),
          CONTAINER_SAGA_ROOT: dir,
          CONTAINER_SAGA_USERNS_REMAP: value,
        });
      await expect(start('no-such-user')).rejects.toThrow(/no user "no-such-user" in \/etc\/passwd/);
      // a user without a range: root has none (a range starting at 0 would map the host's root)
      await expect(start('root')).rejects.toThrow(/no range for root in \/etc\/subuid: add a line root:START:65536/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

/**
 * CONTAINER_SAGA_USERNS_REMAP's parts that need no runc: the value resolved through passwd/group/subuid/subgid
 * files, the owner shift of an image copy (as root), the spec's user namespace, and the settings refused.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../config';
import { resolveUsernsRemap, type RemapFiles } from '../../config/userns-remap';
import { buildSpec, type SpecInput } from '../../runtime/drivers/linux/spec';
import { shiftOwners } from '../../runtime/drivers/linux/userns';
import { simulatedRuntime } from '../runtimes';
import { expectError, rejected, tempDirEach, specInput } from './helpers';

const tmp = tempDirEach('userns');

async function files(subuid: string, subgid = subuid): Promise<RemapFiles> {
  const f = {
    passwd: path.join(tmp.path, 'passwd'),
    group: path.join(tmp.path, 'group'),
    subuid: path.join(tmp.path, 'subuid'),
    subgid: path.join(tmp.path, 'subgid'),
  };
  await fs.writeFile(f.passwd, 'root:x:0:0::/root:/bin/sh\nremap:x:999:998::/:/bin/false\n');
  await fs.writeFile(f.group, 'root:x:0:\nremap:x:998:\nother:x:997:\n');
  await fs.writeFile(f.subuid, subuid);
  await fs.writeFile(f.subgid, subgid);
  return f;
}

describe('resolveUsernsRemap: USER[:GROUP] and UID:GID through /etc/subuid and /etc/subgid', () => {
  it.each<[string, string, string, { uid: number; gid: number }]>([
    ['remap', 'remap:200000:65536\n', 'remap:300000:65536\n', { uid: 200000, gid: 300000 }],
    ['999:998', 'remap:200000:65536\n', 'remap:300000:65536\n', { uid: 200000, gid: 300000 }],
    ['remap:other', 'x:1:2\n999:200000:70000\n', 'other:400000:65536\n', { uid: 200000, gid: 400000 }],
  ])('%s → its first range', async (value, subuid, subgid, want) => {
    expect(resolveUsernsRemap(value, await files(subuid, subgid))).toEqual({ ...want, size: 65536 });
  });

  it.each<[string, string, RegExp]>([
    ['nobody', 'remap:200000:65536\n', /no user "nobody" in .*passwd \(create it, or use default\)/],
    ['remap:nogroup', 'remap:200000:65536\n', /no group "nogroup" in .*group/],
    ['remap', '', /no range for remap in .*subuid: add a line remap:START:65536 \(usermod --add-subuids/],
    ['remap', 'remap:200000:1000\n', /the range of remap in .*subuid has 1000 IDs, fewer than 65536/],
    ['a:b:c', 'remap:200000:65536\n', /must be default, USER\[:GROUP\] or UID:GID \(got "a:b:c"\)/],
  ])('%s with subuid %j: a ConfigError', async (value, subuid, msg) => {
    const f = await files(subuid);
    expect(() => resolveUsernsRemap(value, f)).toThrow(ConfigError);
    expect(() => resolveUsernsRemap(value, f)).toThrow(msg);
  });
});

describe('shiftOwners: every inode once, modes and links kept (as root)', () => {
  it('shifts files, directories, symlinks themselves and hardlinks once; setuid survives the chown', async () => {
    const d = path.join(tmp.path, 'tree');
    await fs.mkdir(path.join(d, 'sub'), { recursive: true });
    await fs.writeFile(path.join(d, 'suid'), '');
    await fs.chown(path.join(d, 'suid'), 0, 5);
    await fs.chmod(path.join(d, 'suid'), 0o6755); // after the chown, which clears both bits
    await fs.writeFile(path.join(d, 'sub', 'f'), 'x');
    await fs.chown(path.join(d, 'sub', 'f'), 1000, 1000);
    await fs.link(path.join(d, 'sub', 'f'), path.join(d, 'hard'));
    await fs.symlink('/etc/passwd', path.join(d, 'link'));
    await shiftOwners(d, { uid: 100000, gid: 200000, size: 65536 });
    const own = async (p: string) => {
      const st = await fs.lstat(path.join(d, p));
      return [st.uid, st.gid, st.mode & 0o7777];
    };
    expect(await own('.')).toEqual([100000, 200000, expect.any(Number)]);
    expect(await own('suid')).toEqual([100000, 200005, 0o6755]);
    expect(await own('hard')).toEqual([101000, 201000, 0o644]);
    expect((await own('link')).slice(0, 2)).toEqual([100000, 200000]);
    expect((await fs.stat('/etc/passwd')).uid).toBe(0);
  });

  it('an owner beyond the range is refused rather than mapped to nobody', async () => {
    const d = path.join(tmp.path, 'far');
    await fs.mkdir(d);
    await fs.writeFile(path.join(d, 'f'), '');
    await fs.chown(path.join(d, 'f'), 70000, 0);
    await expect(shiftOwners(d, { uid: 100000, gid: 100000, size: 65536 })).rejects.toThrow(
      /owned by 70000:0, outside the 65536 IDs the user namespace maps/,
    );
  });
});

describe('buildSpec: a user namespace with the mappings', () => {
  const input = (over: Partial<SpecInput>): SpecInput => specInput({ netnsPath: '/run/netns/cs-x', ...over });
  const sys = (s: ReturnType<typeof buildSpec>) => s.mounts.find((m) => m.destination === '/sys');

  it('remapped: the user namespace owning the netns joined, container 0 → the range start, size 65536', () => {
    const s = buildSpec(input({ userns: { uid: 100000, gid: 200000, size: 65536, path: '/c/userns' } }));
    expect(s.linux.namespaces).toContainEqual({ type: 'user', path: '/c/userns' });
    expect(s.linux.uidMappings).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect(s.linux.gidMappings).toEqual([{ containerID: 0, hostID: 200000, size: 65536 }]);
    expect(sys(s)?.type).toBe('sysfs'); // the netns is the user namespace's: sysfs mounts
  });

  it('not remapped: no user namespace, no mappings, sysfs mounted as before', () => {
    const s = buildSpec(input({}));
    expect(s.linux.namespaces.map((n) => n.type)).not.toContain('user');
    expect('uidMappings' in s.linux || 'gidMappings' in s.linux).toBe(false);
    expect(sys(s)?.type).toBe('sysfs');
  });
});

describe("with remapping on, Docker's refusals at create (400), nothing created; without it, created", () => {
  it.each<[string, Record<string, unknown>, RegExp]>([
    ['--privileged', { Privileged: true }, /^privileged mode is incompatible with user namespaces\. {2}You must run/],
    ['--network host', { NetworkMode: 'host' }, /^cannot share the host's network namespace when user namespaces/],
    ['--ipc host', { IpcMode: 'host' }, /^cannot share the host's IPC namespace when user namespaces are enabled/],
    [
      '--ipc container:peer',
      { IpcMode: 'container:peer' },
      /^--ipc container:peer needs --network container:peer when/,
    ],
  ])('%s', async (_flag, hostConfig, msg) => {
    const rt = simulatedRuntime(path.join(tmp.path, 'root'), { usernsRemap: { uid: 1e5, gid: 1e5, size: 65536 } });
    const plain = simulatedRuntime(path.join(tmp.path, 'plain'), {});
    for (const r of [rt, plain]) await r.create({ name: 'peer', image: 'busybox', cmd: ['true'] });
    expectError(await rejected(rt.create({ image: 'busybox', cmd: ['true'], hostConfig })), {
      type: 'InvalidParameter',
      message: msg,
    });
    expect((await rt.list()).map((c) => c.Name)).toEqual(['/peer']);
    expect((await plain.create({ image: 'busybox', cmd: ['true'], hostConfig })).HostConfig).toMatchObject(hostConfig);
  });
});

import { mkdtempSync } from 'node:fs';
import { mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect } from 'vitest';
import { list } from '../../client/api';
import { FAULT_LABEL } from '../../runtime/faults';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { linuxApiSuite } from '../api-harness';
import { waitForFile } from '../durability/worker-process';
import { cli } from '../harness';
import { testNetwork } from '../linux-fixture';

// The host policy on real containers (runc), CONTAINER_SAGA_BIND_ALLOW set and nothing allowed beyond it: the
// settings that would reach the host another way are refused through the CLI and the Engine API (docker),
// and a bind's symlink swapped after its check cannot redirect the mount. Needs root: without it every test
// FAILS with the reason.

const NET = testNetwork('e2e/policy-linux');
const ALLOWED = mkdtempSync('/tmp/cs-policy-allow-');
afterAll(() => rm(ALLOWED, { recursive: true, force: true }));
const suite = linuxApiSuite('cs-e2e-policy', NET, { bindAllow: [ALLOWED] });
const rootIt = suite.it;

const refused = (what: string, entry: string) =>
  `${what} is refused by this host's policy (CONTAINER_SAGA_BIND_ALLOW is set): to allow it, add ${entry} to CONTAINER_SAGA_POLICY_ALLOW`;

/** ALLOWED/real (holding a marker file) and ALLOWED/<name> → real. */
async function linkToReal(name: string): Promise<{ link: string; real: string }> {
  const real = path.join(ALLOWED, `${name}-real`);
  await mkdir(real, { recursive: true });
  await writeFile(path.join(real, 'marker'), 'real\n');
  const link = path.join(ALLOWED, name);
  await symlink(real, link);
  return { link, real };
}

const outside = (link: string) =>
  `bind mount source ${link} resolves to /etc, which is outside the directories bind mounts may come from (CONTAINER_SAGA_BIND_ALLOW=${ALLOWED})`;

async function swapToEtc(link: string): Promise<void> {
  await rm(link);
  await symlink('/etc', link);
}

describe('the host policy has no way around it (Linux driver)', () => {
  rootIt('the CLI and the Engine API refuse each privileged setting: 403, nothing created', async () => {
    const before = (await list(suite.w.session, true)).length;
    const cases: Array<[string[], string, string]> = [
      [['--privileged'], '--privileged', 'privileged'],
      [['--cap-add', 'SYS_ADMIN'], '--cap-add CAP_SYS_ADMIN', 'cap:SYS_ADMIN'],
      [['--security-opt', 'seccomp=unconfined'], '--security-opt seccomp=unconfined', 'seccomp-unconfined'],
      [['--network', 'host'], '--network host', 'host-network'],
      [['--ipc', 'host'], '--ipc host', 'host-ipc'],
      [['--device', '/dev/null:/dev/x'], '--device', 'devices'],
    ];
    for (const [flags, what, entry] of cases) {
      const ours = await cli(suite.w, ['run', '--rm', ...flags, 'busybox', 'true']);
      expect([ours.code, ours.stderr], flags.join(' ')).toEqual([
        125,
        `Error response from daemon: ${refused(what, entry)}\n`,
      ]);
      const docker = await suite.docker(['run', '--rm', ...flags, 'busybox', 'true']);
      expect([docker.code, docker.stderr], flags.join(' ')).toEqual([
        125,
        `docker: Error response from daemon: ${refused(what, entry)}.\nSee 'docker run --help'.\n`,
      ]);
    }
    expect((await list(suite.w.session, true)).length).toBe(before);
  });

  rootIt('a bind symlink swapped to /etc after the spec was written: the container sees what was checked', async () => {
    const { link, real } = await linkToReal('swap-late');
    const hold = path.join(suite.rt.root, 'swap-late.release');
    const c = await cli(suite.w, [
      'create',
      '--label',
      `${FAULT_LABEL}=process=hold:${hold}`,
      '-v',
      `${link}:/x:ro`,
      'busybox',
      'sh',
      '-c',
      'cat /x/marker; ls /x',
    ]);
    expect(c.code, c.stderr).toBe(0);
    const id = c.stdout.trim();
    const started = cli(suite.w, ['start', id]);
    await waitForFile(`${hold}.held`);
    await swapToEtc(link);
    await writeFile(hold, '');
    expect((await started).code).toBe(0);
    const spec = JSON.parse(
      await readFile(path.join(suite.rt.root, 'containers', id, 'bundle', 'config.json'), 'utf8'),
    );
    expect(spec.mounts.find((m: { destination: string }) => m.destination === '/x').source).toBe(real);
    expect((await cli(suite.w, ['wait', id])).stdout).toBe('0\n');
    expect((await cli(suite.w, ['logs', id])).stdout).toBe('real\nmarker\n');
    expect((await cli(suite.w, ['rm', id])).code).toBe(0);
  });

  rootIt('swapped between the volumes step and the spec: the start is refused and releases all it made', async () => {
    const { link } = await linkToReal('swap-mid');
    const hold = path.join(suite.rt.root, 'swap-mid.release');
    const c = await cli(suite.w, [
      'create',
      '--label',
      `${FAULT_LABEL}=spec=hold:${hold}`,
      '-v',
      `${link}:/x`,
      'busybox',
      'true',
    ]);
    const id = c.stdout.trim();
    const started = cli(suite.w, ['start', id]);
    await waitForFile(`${hold}.held`);
    await swapToEtc(link);
    await writeFile(hold, '');
    const r = await started;
    expect(r.code).toBe(1);
    // refused where the spec is written, after the volumes step; each step made is released
    expect(r.stderr).toContain(
      `  ✓ volumes\n  ✓ links\n  ✓ working-dir\n  ✓ daemon-env\n  ✗ ${outside(link)}\n  ↺ remove-spec`,
    );
    expect(r.stderr).toMatch(
      new RegExp(
        `\\n  ↺ unmount-rootfs\\nError response from daemon: .*\\nError: failed to start containers: ${id}\\n$`,
      ),
    );
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
    expect((await cli(suite.w, ['rm', id])).code).toBe(0);
  });

  rootIt('a link that leads outside by the time of the start: refused before anything is made', async () => {
    const { link } = await linkToReal('swap-early');
    const c = await cli(suite.w, ['create', '-v', `${link}:/x`, 'busybox', 'true']);
    const id = c.stdout.trim();
    await swapToEtc(link);
    const r = await cli(suite.w, ['start', id]);
    expect([r.code, r.stderr]).toEqual([
      1,
      `starting ${id}\n  ✓ lookup\n  ✓ check-state\n  ✗ ${outside(link)}\nError response from daemon: ${outside(link)}\nError: failed to start containers: ${id}\n`,
    ]);
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
    expect((await cli(suite.w, ['inspect', '--format', '{{.State.Status}}', id])).stdout).toBe('created\n');
    expect((await cli(suite.w, ['rm', id])).code).toBe(0);
  });

  rootIt(
    'image import from a host path outside: Forbidden, exit 1; a hold file outside the state root: refused',
    async () => {
      const imp = await cli(suite.w, ['image', 'import', 'etcimg', '/etc']);
      expect([imp.code, imp.stderr]).toEqual([
        1,
        `Error response from daemon: image source /etc is outside the directories host paths may come from (CONTAINER_SAGA_BIND_ALLOW=${ALLOWED})\n`,
      ]);
      const escape = path.join('/tmp', `cs-policy-hold-${process.pid}`);
      const c = await cli(suite.w, ['run', '--label', `${FAULT_LABEL}=network=hold:${escape}`, 'busybox', 'true']);
      expect(c.stderr).toContain(
        `fault hold file ${escape} must be an absolute path inside the state root ${suite.rt.root}`,
      );
      await expect(readFile(`${escape}.held`)).rejects.toThrow(/ENOENT/);
    },
  );
});

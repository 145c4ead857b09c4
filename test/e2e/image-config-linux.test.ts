import { describe, expect } from 'vitest';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { linuxApiSuite } from '../api-harness';
import { recordConfigVariant } from '../image-variant';
import { testNetwork } from '../linux-fixture';

// The image's config on real containers (runc) through Docker's CLI against our Engine API: an image made from
// busybox-static with its own Entrypoint, Cmd, Env, WorkingDir and User (recorded with the store API, as a
// `docker build` with only those lines would make it). Needs root: without it every test FAILS with the reason.

const NET = testNetwork('e2e/image-config-linux');
const suite = linuxApiSuite('cs-e2e-imgcfg', NET);
const rootIt = suite.it;

const IMAGE = 'appcfg:1';
const SAY = 'echo "$GREETING from $(pwd) as $(id -u):$(id -g) groups=$(id -G) home=$HOME"';

async function ok(args: string[]): Promise<string> {
  const r = await suite.docker(args);
  expect(r.code, `docker ${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe("the image's config (Linux driver, docker CLI)", () => {
  rootIt('docker run IMG runs what the config says, as its user, in its directory, with its env', async () => {
    await recordConfigVariant(suite.rt.images, 'busybox', IMAGE, {
      Entrypoint: ['/bin/env'],
      Cmd: ['sh', '-c', SAY],
      Env: ['PATH=/bin', 'GREETING=hello'],
      WorkingDir: '/srv',
      User: 'nobody',
    });
    // busybox-static's passwd: nobody is 65534:65534 with home /nonexistent, and in no other group
    expect(await ok(['run', '--rm', IMAGE])).toBe('hello from /srv as 65534:65534 groups=65534 home=/nonexistent\n');
    const inspect = await ok(['create', '--name', 'shown', IMAGE]);
    expect(inspect).toMatch(/^[0-9a-f]{64}\n$/);
    expect(
      await ok([
        'inspect',
        '-f',
        '{{json .Config.Entrypoint}} {{json .Config.Cmd}} {{.Config.User}} {{.Path}}',
        'shown',
      ]),
    ).toBe(`["/bin/env"] ${JSON.stringify(['sh', '-c', SAY])} nobody /bin/env\n`);
    await ok(['rm', 'shown']);
  });

  rootIt('-u, -e, -w, --entrypoint override it', async () => {
    expect(await ok(['run', '--rm', '-u', '0', IMAGE, 'id', '-u'])).toBe('0\n');
    expect(await ok(['run', '--rm', '-u', 'nobody:root', IMAGE, 'id'])).toBe(
      'uid=65534(nobody) gid=0(root) groups=0(root)\n',
    );
    expect(await ok(['run', '--rm', '-u', '1234:5678', IMAGE, 'sh', '-c', 'echo $(id -u):$(id -g) $HOME'])).toBe(
      '1234:5678 /\n',
    );
    expect(await ok(['run', '--rm', '-e', 'GREETING=hi', '-e', 'HOME=/tmp', '-w', '/tmp', IMAGE])).toBe(
      'hi from /tmp as 65534:65534 groups=65534 home=/tmp\n',
    );
    expect(await ok(['run', '--rm', '--entrypoint', '', IMAGE, 'echo', 'hi'])).toBe('hi\n');
    expect(await ok(['run', '--rm', '--entrypoint', '/bin/echo', IMAGE])).toBe('\n');
  });

  rootIt("an unknown user fails the start with Docker's message and leaves nothing held", async () => {
    const r = await suite.docker(['run', '--name', 'ghost', '-u', 'ghost', IMAGE]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unable to find user ghost: no matching entries in passwd file');
    const id = (await ok(['inspect', '-f', '{{.Id}}', 'ghost'])).trim();
    expect(await ok(['inspect', '-f', '{{.State.Running}}', 'ghost'])).toBe('false\n');
    expect(await leaksOf(suite.rt.root, id)).toEqual([]);
    await ok(['rm', 'ghost']);
  });

  rootIt("stop sends the image's stop signal (and --stop-signal's)", async () => {
    await recordConfigVariant(suite.rt.images, 'busybox', 'appsig:1', {
      Cmd: ['sh', '-c', 'trap "exit 7" USR1; trap "exit 8" USR2; while true; do sleep 0.1; done'],
      StopSignal: 'SIGUSR1',
    });
    await ok(['run', '-d', '--name', 'sig1', 'appsig:1']);
    await ok(['run', '-d', '--name', 'sig2', '--stop-signal', 'USR2', 'appsig:1']);
    await ok(['stop', '-t', '20', 'sig1', 'sig2']);
    expect(await ok(['inspect', '-f', '{{.Config.StopSignal}} {{.State.ExitCode}}', 'sig1', 'sig2'])).toBe(
      'SIGUSR1 7\nUSR2 8\n',
    );
    await ok(['rm', 'sig1', 'sig2']);
  });
});

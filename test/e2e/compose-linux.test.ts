import path from 'node:path';
import { describe, expect } from 'vitest';
import { leaksOf } from '../../runtime/drivers/linux/probe';
import { linuxApiSuite, type DockerResult } from '../api-harness';
import { until } from '../harness';
import { testNetwork } from '../linux-fixture';
import { composeV5Path } from '../compose-client';

// docker compose against our Engine API on real containers, as its users run it, with two clients no one
// here wrote: Debian's docker-compose (Compose 1.29, docker-py) and Compose v5 (Go, the compose v2 line).
// A project network with service-name DNS, a published port, a named volume, depends_on; ps, logs, exec,
// restart, stop; down -v leaving nothing. Needs root: else every test FAILS.

const NET = testNetwork('e2e/compose-linux');
const suite = linuxApiSuite('cs-e2e-compose', NET);
const rootIt = suite.it;
/** The clients: Debian's Compose 1.29 (docker-py), and Compose v5 (the v2 plugin's line) built by `npm run setup`. */
const CLIENTS = [
  { name: 'Compose 1.29', file: '/usr/bin/docker-compose', sep: '_' },
  { name: 'Compose v5', file: composeV5Path(), sep: '-' },
];
const FILE = path.join(__dirname, '..', 'fixtures', 'compose', 'shop.yml');
const PROJECT = 'shop';

function expectOk(r: DockerResult, what: string): string {
  expect(r.code, `${what}: ${r.stderr}${r.stdout}`).toBe(0);
  return r.stdout;
}

const docker = async (args: string[]) => expectOk(await suite.docker(args), `docker ${args.join(' ')}`);

describe.each(CLIENTS)('docker compose through the API, Linux driver: $name', ({ file, sep }) => {
  const compose = async (args: string[], timeoutMs = 120_000) =>
    expectOk(await suite.client(file, ['-f', FILE, '-p', PROJECT, ...args], timeoutMs), `compose ${args.join(' ')}`);
  const web = `${PROJECT}${sep}web${sep}1`;
  rootIt(
    'up -d, ps, logs, exec, restart, stop, then down -v leaves no container, network, volume or port',
    async () => {
      await compose(['up', '-d']);
      const ids = (await compose(['ps', '-q'])).trim().split('\n');
      expect(ids).toHaveLength(2);
      expect(await compose(['ps'])).toMatch(new RegExp(`${web} .* Up .*127\\.0\\.0\\.1:\\d+->8080/tcp`, 's'));
      // the project network, the volume, the published port
      expect(await docker(['network', 'ls', '--format', '{{.Name}}'])).toMatch(/^shop_default$/m);
      expect(await docker(['volume', 'ls', '--format', '{{.Name}}'])).toMatch(/^shop_site$/m);
      const port = (await docker(['port', web, '8080/tcp'])).trim();
      expect(port).toMatch(/^127\.0\.0\.1:\d+$/);
      const res = await fetch(`http://${port}/`);
      expect(await res.text()).toBe('hello from web\n');
      // service-name DNS: app found web by its name and logged the page
      await until('app to fetch from web', async () =>
        (await compose(['logs', '--no-color', 'app'])).includes('hello from web') ? true : undefined,
      );
      expect(await compose(['exec', '-T', 'app', 'wget', '-q', '-O', '-', 'http://web:8080/'])).toBe(
        'hello from web\n',
      );
      expect(await compose(['exec', '-T', 'web', 'cat', '/srv/index.html'])).toBe('hello from web\n');
      // restart keeps the volume's content and publishes again
      await compose(['restart', 'web']);
      const again = (await docker(['port', web, '8080/tcp'])).trim();
      await until('web to answer after its restart', async () =>
        (
          await fetch(`http://${again}/`).then(
            (r) => r.text(),
            () => undefined,
          )
        )?.includes('hello')
          ? true
          : undefined,
      );
      await compose(['stop']);
      expect((await docker(['ps', '-q', '--filter', 'label=com.docker.compose.project=shop'])).trim()).toBe('');
      await compose(['down', '-v']);
      expect((await docker(['ps', '-aq', '--filter', 'label=com.docker.compose.project=shop'])).trim()).toBe('');
      expect(await docker(['network', 'ls', '--format', '{{.Name}}'])).not.toMatch(/shop_default/);
      expect(await docker(['volume', 'ls', '--format', '{{.Name}}'])).not.toMatch(/shop_site/);
      for (const id of ids) expect(await leaksOf(suite.rt.root, id)).toEqual([]);
      expect(await suite.rt.heldResources()).toEqual([]);
    },
    240_000,
  );
});

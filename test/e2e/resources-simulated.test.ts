import { describe, expect, it } from 'vitest';
import type { DockerStats } from '../../common/stats-api';
import { docker, simulatedApiSuite } from '../api-harness';
import { cli } from '../harness';

// docker stats and docker update over the simulated driver, through the docker CLI and the project's CLI. The
// simulated driver runs nothing: its stats are its own numbers (runtime/drivers/simulated/sim-stats.ts: 4 MiB,
// 1% of a CPU, one process), its limits are recorded and written to its spec file.

const suite = simulatedApiSuite('res-sim');
const MiB = 1024 * 1024;

async function dockerOk(args: string[]): Promise<string> {
  const r = await docker(suite.api, args);
  expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(0);
  return r.stdout;
}

describe('docker stats (simulated driver)', () => {
  it('the docker CLI and the project CLI show the simulated numbers under the container limits', async () => {
    const id = (await dockerOk(['run', '-d', '--name', 'sim-stats', '-m', '32m', 'busybox', 'sleep', '1000'])).trim();
    const line = await dockerOk(['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}} {{.PIDs}}', 'sim-stats']);
    expect(line.trim()).toBe('sim-stats 4MiB / 32MiB 1');
    const r = await cli(suite.w, ['stats', '--no-stream', '--json', 'sim-stats']);
    expect(r.code, r.stderr).toBe(0);
    const [s] = JSON.parse(r.stdout) as DockerStats[];
    expect(s!.id).toBe(id);
    expect(s!.memory_stats).toMatchObject({ usage: 4 * MiB, limit: 32 * MiB });
    // --no-stream: two samples a second apart, the first as precpu
    expect(Date.parse(s!.read) - Date.parse(s!.preread)).toBeGreaterThanOrEqual(900);
    expect(s!.cpu_stats.cpu_usage.total_usage).toBeGreaterThan(s!.precpu_stats.cpu_usage.total_usage);
    const table = await cli(suite.w, ['stats', '--no-stream', 'sim-stats']);
    expect(table.stdout).toMatch(/^CONTAINER ID\s+NAME\s+CPU %/);
    expect(table.stdout).toContain('4MiB / 32MiB');
    await dockerOk(['rm', '-f', id]);
  }, 60_000);

  it("an unknown container: Docker's 404 through both CLIs", async () => {
    const d = await docker(suite.api, ['stats', '--no-stream', 'nosuch']);
    expect(d.code).toBe(1);
    expect(d.stderr).toContain('No such container: nosuch');
    const c = await cli(suite.w, ['stats', '--no-stream', 'nosuch']);
    expect(c.code).toBe(1);
    expect(c.stderr).toContain('No such container: nosuch');
  });
});

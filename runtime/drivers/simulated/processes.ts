import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import { endsByDefault } from '../../../common/signals';
import type { ExecContext, ExecOutcome, ExecPlan, ProcessProbe } from '../../driver';
import { execPaths, execsDir, isExecId } from '../../exec-layout';
import { readJson, removeFile, writeJsonAtomic } from '../../fsutil';
import { formatLogEntry } from '../../k8s-file';
import type { Layout } from '../layout';
import { withoutInit } from '../../../common/init-process';
import { simScript } from './script';

/**
 * Simulated pids start past Linux's PID_MAX_LIMIT (2^22), so none is ever a host process's: docker top runs the
 * host's ps with them and must find no row of another process.
 */
const SIM_PIDS = 4_194_304;

/** A simulated process: frozen by pause, ended by a fatal signal (it has no handlers). */
interface SimProcess {
  pid: number;
  frozen?: boolean;
  exited?: { code: number; at: string };
}

/**
 * The simulated driver's processes and execs: a process is a record under <root>/sim/processes that every
 * change (start, freeze, exit) replaces; an exec is registered as the Linux driver registers it (exec-layout.ts)
 * and ends at once. Nothing runs.
 */
export class SimProcesses {
  readonly dir: string;

  constructor(
    sim: string,
    private readonly layout: Layout,
    private readonly bundleConfig: (id: string) => string,
  ) {
    this.dir = path.join(sim, 'processes');
  }

  /** The process record: every change of the simulated process (start, exit) replaces it. */
  file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private read(id: string): Promise<SimProcess | undefined> {
    return readJson<SimProcess>(this.file(id));
  }

  async start(id: string): Promise<{ pid: number }> {
    const existing = await this.read(id);
    if (existing && !existing.exited) return { pid: existing.pid };
    const pid = SIM_PIDS + Number.parseInt(id.slice(0, 4), 16);
    const spec = await readJson<{ process: { args: string[] } }>(this.bundleConfig(id));
    const script = spec ? simScript(withoutInit(spec.process.args)) : undefined;
    if (script?.output.length) {
      const now = new Date();
      const entries = script.output.map((o) => formatLogEntry(now, o.stream, o.text)).join('');
      await fs.appendFile(this.layout.log(id), entries, { mode: 0o600 });
    }
    const process: SimProcess = {
      pid,
      ...(script === undefined ? {} : { exited: { code: script.exitCode, at: new Date().toISOString() } }),
    };
    await writeJsonAtomic(this.file(id), process);
    return { pid };
  }

  async unregister(id: string): Promise<void> {
    for (const execId of await this.execIds(id)) await this.releaseExec(id, execId);
    await removeFile(this.file(id));
  }

  /** The simulated process's own pid while it runs (no host process has it: docker top finds no row). */
  async pids(id: string): Promise<number[]> {
    const p = await this.read(id);
    return p && !p.exited ? [p.pid] : [];
  }

  async probe(id: string): Promise<ProcessProbe> {
    const p = await this.read(id);
    return p?.exited ? { kind: 'exited', ...p.exited } : { kind: 'running' };
  }

  async signal(id: string, signal: number): Promise<boolean> {
    const p = await this.read(id);
    if (!p || p.exited) return false;
    if (endsByDefault(signal))
      await writeJsonAtomic(this.file(id), { ...p, exited: { code: 128 + signal, at: new Date().toISOString() } });
    return true;
  }

  async pause(id: string): Promise<void> {
    const p = await this.read(id);
    if (!p || p.exited) throw new ContainerError('Internal', `pause ${id.slice(0, 12)}: no simulated process`);
    await writeJsonAtomic(this.file(id), { ...p, frozen: true });
  }

  async resume(id: string): Promise<void> {
    const p = await this.read(id);
    if (p?.frozen) await writeJsonAtomic(this.file(id), { ...p, frozen: false });
  }

  async terminate(id: string, signal = 15): Promise<number> {
    const p = await this.read(id);
    await removeFile(this.file(id));
    // the simulated process ends by a signal's default action; one that does not end it waits for SIGKILL
    return p?.exited?.code ?? 128 + (endsByDefault(signal) ? signal : 9);
  }

  /** Registers the exec, then ends it at once (see the driver's class comment); its status is on disk, as on Linux. */
  async runExec(id: string, plan: ExecPlan, ctx?: ExecContext): Promise<ExecOutcome> {
    if (plan.tty || plan.stdin)
      throw new ContainerError(
        'InvalidParameter',
        `the simulated driver runs no process: an exec cannot have ${plan.tty ? 'a terminal (-t)' : 'stdin (-i)'} there`,
      );
    const p = execPaths(this.layout, id, plan.execId);
    const pid = SIM_PIDS + 65_536 + Number.parseInt(plan.execId.slice(0, 4), 16);
    await writeJsonAtomic(p.record, { execId: plan.execId, pid });
    await ctx?.onStart?.(pid);
    const [cmd, flag, script] = plan.args;
    const exit =
      (cmd === 'sh' || cmd === '/bin/sh') && flag === '-c' ? /^\s*exit\s+(\d+)\s*$/.exec(script ?? '') : null;
    const exitCode = exit ? Number(exit[1]) & 255 : 0;
    await fs.writeFile(p.exit, `${exitCode}\n`);
    return { exitCode };
  }

  async releaseExec(id: string, execId: string): Promise<void> {
    await removeFile(execPaths(this.layout, id, execId).record);
  }

  /** The execs registered on the container (their records; the output files stay for readers). */
  async execIds(id: string): Promise<string[]> {
    return (await fs.readdir(execsDir(this.layout, id)).catch(() => [] as string[])).filter(isExecId);
  }
}

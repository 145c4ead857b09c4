import { promises as fs } from 'node:fs';

/**
 * Resident set sizes read from /proc (Linux): a process's VmRSS, and every process with its name, command line,
 * RSS and PSS. Summed over many processes of one binary (runc, containerd-shim), RSS counts their shared pages
 * once per process; PSS (smaps_rollup) shares them out, so a sum of PSS is what the group really holds.
 */
export interface Proc {
  pid: number;
  /** /proc/<pid>/comm: the executable's name, at most 15 characters */
  comm: string;
  /** the arguments joined by spaces */
  cmdline: string;
  rssKb: number;
  /** undefined where smaps_rollup cannot be read */
  pssKb?: number;
}

/** VmRSS in kB; undefined when the process is gone (or is a kernel thread). */
export async function rssKb(pid: number): Promise<number | undefined> {
  const status = await fs.readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** Every user-space process but this one. */
export async function processes(): Promise<Proc[]> {
  const out: Proc[] = [];
  for (const entry of await fs.readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const pid = Number(entry);
    const [comm, cmdline, rss] = await Promise.all([
      fs.readFile(`/proc/${pid}/comm`, 'utf8').catch(() => ''),
      fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''),
      rssKb(pid),
    ]);
    if (rss === undefined || !cmdline) continue;
    const pss = /^Pss:\s+(\d+) kB$/m.exec(await fs.readFile(`/proc/${pid}/smaps_rollup`, 'utf8').catch(() => ''));
    out.push({
      pid,
      comm: comm.trim(),
      cmdline: cmdline.split('\0').join(' ').trim(),
      rssKb: rss,
      ...(pss ? { pssKb: Number(pss[1]) } : {}),
    });
  }
  return out;
}

/** The processes' count and summed RSS (and PSS, when every one has it) in MB. */
export function total(procs: readonly Proc[]): { count: number; mb: number; pssMb?: number } {
  const pss = procs.every((p) => p.pssKb !== undefined)
    ? { pssMb: procs.reduce((a, p) => a + p.pssKb!, 0) / 1024 }
    : {};
  return { count: procs.length, mb: procs.reduce((a, p) => a + p.rssKb, 0) / 1024, ...pss };
}

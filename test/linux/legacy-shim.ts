import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { Layout } from '../../runtime/drivers/layout';
import { procStat, readIntFile, type ExecRecord } from '../../runtime/drivers/linux/shim';
import { tool } from '../../runtime/drivers/linux/tools';

/**
 * The previous release's shim, as it started a container (kept here to test the upgrade: its containers may
 * still run when the new worker starts): `sh -c 'runc run …; echo $? > exit-code'` in its own session, stdout
 * and stderr appended raw to container.log, `runc events` writing the OOM killer's notices, the exec record
 * naming shimPid.
 */
const SCRIPT =
  ': > "${10}"; ' +
  '"$1" --root "$2" --log "$3" --log-format json run --bundle "$4" --pid-file "$5" "$6" & r=$!; ' +
  '( while [ ! -s "$5" ]; do kill -0 $r 2>/dev/null || exit 0; sleep 0.01; done; ' +
  'exec "$1" --root "$2" events --interval 100000h "$6" > "${10}" 2>/dev/null ) & ' +
  'wait $r; c=$?; read t < "$8"; [ "$t" = "$9" ] && echo $c > "$7"';

/** Starts the container's process as the previous release did; resolves with its pid once it runs. */
export async function startLegacy(l: Layout, id: string): Promise<number> {
  const attempt = randomBytes(8).toString('hex');
  await fs.writeFile(l.attemptFile(id), `${attempt}\n`);
  const log = await fs.open(l.log(id), 'a', 0o600);
  const args = [
    ...['-c', SCRIPT, 'container-saga-shim', tool('runc'), l.runcRoot, l.runcLog(id), l.bundle(id)],
    ...[l.pidFile(id), id, l.exitFile(id), l.attemptFile(id), attempt, l.runcEvents(id)],
  ];
  const child = spawn(tool('sh'), args, { detached: true, stdio: ['ignore', log.fd, log.fd] });
  child.unref();
  await log.close();
  const shimPid = child.pid!;
  let pid: number | undefined;
  for (let i = 0; i < 1000 && pid === undefined; i++) {
    await new Promise((r) => setTimeout(r, 10));
    pid = await readIntFile(l.pidFile(id));
  }
  if (pid === undefined) {
    const said = await Promise.all([l.runcLog(id), l.log(id)].map((f) => fs.readFile(f, 'utf8').catch(() => '')));
    throw new Error(`the legacy shim did not start the container: ${said.join('\n')}`);
  }
  const rec: ExecRecord = {
    attempt,
    shimPid,
    shimStart: (await procStat(shimPid))?.start,
    pid,
    pidStart: (await procStat(pid))?.start,
    startedAt: new Date().toISOString(),
  };
  await fs.writeFile(l.execRecord(id), `${JSON.stringify(rec)}\n`);
  return pid;
}

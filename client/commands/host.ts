import type { Command } from 'commander';
import type { HostAvailability, HostRow } from '../../common/hosts-api';
import { hostList, removeHost, setHostAvailability } from '../hosts';
import type { CliContext } from '../context';
import { forEachRef } from './each';
import { ago, printJson, printTable } from '../output';

export const HOST_HEAD = ['HOST', 'STATUS', 'AVAILABILITY', 'DRIVER', 'RUNNING', 'CONTAINERS', 'LAST SEEN'];

/**
 * The rows of `host ls`, by name (as the registry keeps them): live or down (a worker polled the host's queue
 * within the live window), active or drain, and the host's own counts when it answered; `-` for what is not
 * known (a host that is down, or did not answer in time).
 */
export function hostRows(hosts: readonly HostRow[], now = Date.now()): string[][] {
  return hosts.map((h) => [
    h.name,
    h.live ? 'live' : 'down',
    h.availability,
    h.status?.driver ?? h.driver,
    h.status ? String(h.status.running) : '-',
    h.status ? String(h.status.containers) : '-',
    h.lastSeen ? ago(h.lastSeen, now) : '-',
  ]);
}

/**
 * container-saga host ls / drain / activate / rm (Docker's `node ls`, `node update --availability` and `node
 * rm`): the hosts whose workers registered on this task queue, whether placement may put new containers on
 * them, and forgetting one that was decommissioned.
 */
export function registerHost(program: Command, ctx: CliContext): void {
  const host = program.command('host').description('Manage hosts (each worker runs as one: CONTAINER_SAGA_HOST)');
  host
    .command('ls')
    .alias('list')
    .description(
      'List hosts: live or down, active or drain, driver, running and all containers, last poll of its queue',
    )
    .option('-q, --quiet', 'only display host names')
    .option('--json', 'print the hosts (registration, liveness and counts) as a JSON array')
    .action(async (flags: { quiet?: boolean; json?: boolean }) => {
      const hosts = await hostList(await ctx.session());
      if (flags.json) printJson(hosts);
      else if (flags.quiet) process.stdout.write(hosts.map((h) => `${h.name}\n`).join(''));
      else printTable(HOST_HEAD, hostRows(hosts));
    });
  const set = (availability: HostAvailability) => async (name: string) => {
    const updated = await setHostAvailability(await ctx.session(), name, availability);
    process.stdout.write(`${updated.name}\n`);
  };
  host
    .command('drain')
    .description('Take no new containers on a host (its containers keep running; a create pinned to it fails 503)')
    .argument('<name>')
    .action(set('drain'));
  host
    .command('activate')
    .description('Let placement put new containers on a drained host again')
    .argument('<name>')
    .action(set('active'));
  host
    .command('rm')
    .alias('remove')
    .description(
      "Forget one or more hosts that are down (their containers stay in their state roots; a host's worker registers it again at start-up)",
    )
    .argument('<name...>')
    .option('-f, --force', 'forget a live host too (its worker runs on unregistered until it restarts)')
    .action(async (names: string[], flags: { force?: boolean }) => {
      const s = await ctx.session();
      await forEachRef(
        ctx,
        names,
        'remove',
        async (name) => void (await removeHost(s, name, flags.force ?? false)),
        'hosts',
      );
    });
}

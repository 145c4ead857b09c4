import type { Command } from 'commander';
import { networkFilter, networkPruneInput } from '../../api/convert/network-filters';
import { ApiError } from '../../api/http';
import type { NetworkView } from '../../common/network-api';
import type { IpamPool, NetworkCreateRequest } from '../../common/network-types';
import type { CliContext } from '../context';
import { CliError, usageError } from '../errors';
import {
  connectNetwork,
  createNetwork,
  disconnectNetwork,
  networkInspect,
  networkList,
  pruneNetworks,
  removeNetwork,
} from '../network-api';
import { printJson, printTable } from '../output';
import { compileTemplate } from '../template';
import { forEachRef } from './each';

const collect = (v: string, acc: string[]) => [...acc, v];

/** The Engine API's filter checks run here too: their 400 as the daemon's answer, as Docker's. */
function asDaemon<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    throw new CliError(err.message, { type: 'InvalidParameter', status: err.status, origin: 'daemon' });
  }
}

/** `--filter key=value` (repeatable) as the API's `filters` parameter. */
function filtersQuery(filters: string[], verb: string): URLSearchParams {
  const map: Record<string, string[]> = {};
  for (const f of filters) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw usageError('bad format of filter (expected name=value)', verb);
    (map[f.slice(0, eq)] ??= []).push(f.slice(eq + 1));
  }
  return new URLSearchParams(filters.length ? { filters: JSON.stringify(map) } : {});
}

/** `key=value` flags (--label, --opt) as a map. */
function keyValues(values: string[]): Record<string, string> {
  return Object.fromEntries(
    values.map((v) => (v.includes('=') ? [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)] : [v, ''])),
  );
}

interface CreateFlags {
  driver?: string;
  subnet: string[];
  gateway: string[];
  ipRange: string[];
  internal?: boolean;
  attachable?: boolean;
  ipv6?: boolean;
  label: string[];
  opt: string[];
  ipamDriver?: string;
  host?: string;
}

/** --subnet, --gateway, --ip-range as IPAM pools: with one subnet, its gateway and range (the CLI's pairing). */
function poolsOf(flags: CreateFlags): IpamPool[] {
  if (flags.subnet.length <= 1) {
    if (flags.subnet.length === 0 && flags.gateway.length === 0 && flags.ipRange.length === 0) return [];
    if (flags.gateway.length > 1 || flags.ipRange.length > 1)
      throw usageError('cannot configure multiple gateways or ranges on one subnet', 'network create');
    return [
      {
        Subnet: flags.subnet[0] ?? '',
        ...(flags.gateway[0] ? { Gateway: flags.gateway[0] } : {}),
        ...(flags.ipRange[0] ? { IPRange: flags.ipRange[0] } : {}),
      },
    ];
  }
  return flags.subnet.map((Subnet) => ({ Subnet }));
}

/** `network ls` rows: Docker's columns, and the hosts that have each network. */
function rows(nets: NetworkView[], noTrunc: boolean): string[][] {
  return nets
    .sort((a, b) => a.Name.localeCompare(b.Name))
    .map((n) => [noTrunc ? n.Id : n.Id.slice(0, 12), n.Name, n.Driver, n.Scope, n.hosts.join(',')]);
}

/** Docker's network verbs: create, ls, inspect, rm, prune, connect, disconnect. */
export function registerNetwork(program: Command, ctx: CliContext): void {
  const network = program
    .command('network')
    .description('Manage networks (each host its own bridges; see docs/design.md)');
  network
    .command('create')
    .description('Create a network (prints its ID); without --host on every live host, with one ID and subnet')
    .argument('<name>')
    .option('-d, --driver <driver>', 'driver to manage the network (bridge)', 'bridge')
    .option('--subnet <cidr>', 'subnet in CIDR format', collect, [])
    .option('--gateway <ip>', 'IPv4 gateway for the subnet', collect, [])
    .option('--ip-range <cidr>', 'allocate container IPs from a sub-range', collect, [])
    .option('--internal', 'restrict external access to the network')
    .option('--attachable', 'enable manual container attachment (accepted: every local network is)')
    .option('--ipv6', 'enable IPv6 (refused: IPv4 networks only)')
    .option('--label <key=value>', 'set metadata on a network (repeatable)', collect, [])
    .option('-o, --opt <key=value>', 'set driver specific options (repeatable)', collect, [])
    .option('--ipam-driver <driver>', 'IP address management driver (default)')
    .option('--host <name>', 'on this host only (default: every live host)')
    .action(async (name: string, flags: CreateFlags) => {
      const pools = poolsOf(flags);
      const request: NetworkCreateRequest = {
        Name: name,
        Driver: flags.driver ?? 'bridge',
        ...(flags.internal ? { Internal: true } : {}),
        ...(flags.attachable ? { Attachable: true } : {}),
        ...(flags.ipv6 ? { EnableIPv6: true } : {}),
        ...(flags.label.length ? { Labels: keyValues(flags.label) } : {}),
        ...(flags.opt.length ? { Options: keyValues(flags.opt) } : {}),
        ...(pools.length || flags.ipamDriver
          ? { IPAM: { ...(flags.ipamDriver ? { Driver: flags.ipamDriver } : {}), Config: pools } }
          : {}),
      };
      const created = await createNetwork(
        await ctx.session(),
        flags.host ? { request, host: flags.host } : { request },
      );
      process.stdout.write(`${created.Id}\n`);
    });
  network
    .command('ls')
    .alias('list')
    .description('List networks (HOST: the hosts that have each)')
    .option('-q, --quiet', 'only display network IDs')
    .option('--no-trunc', 'do not truncate the output')
    .option(
      '-f, --filter <key=value>',
      'filter: name, id, driver, label, type, dangling, scope (repeatable)',
      collect,
      [],
    )
    .option('--json', 'print the networks as a JSON array')
    .action(async (flags: { quiet?: boolean; trunc?: boolean; filter: string[]; json?: boolean }) => {
      const keep = asDaemon(() => networkFilter(filtersQuery(flags.filter, 'network ls')));
      const shown = (await networkList(await ctx.session())).filter(keep);
      if (flags.json) return printJson(shown);
      const table = rows(shown, flags.trunc === false);
      if (flags.quiet) process.stdout.write(table.map((r) => `${r[0]}\n`).join(''));
      else printTable(['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE', 'HOST'], table);
    });
  network
    .command('inspect')
    .description("Display networks' details (with the running containers on each), as a JSON array")
    .argument('<network...>')
    .option('-f, --format <template>', "format each network with a Go-style template, e.g. '{{.IPAM.Config}}'")
    .option('-v, --verbose', 'verbose output (accepted: a local network has no more to show)')
    .action(async (refs: string[], flags: { format?: string }) => {
      const template = flags.format !== undefined ? compileTemplate(flags.format) : undefined;
      const s = await ctx.session();
      const found = [];
      for (const ref of refs) found.push(await networkInspect(s, ref));
      if (template) process.stdout.write(found.map((n) => `${template(n)}\n`).join(''));
      else printJson(found);
    });
  network
    .command('rm')
    .alias('remove')
    .description('Remove networks (refused while a running container is on one)')
    .argument('<network...>')
    .option('-f, --force', 'do not error if the network does not exist')
    .option('--host <name>', 'on this host only (default: every live host that has it)')
    .action(async (refs: string[], flags: { force?: boolean; host?: string }) => {
      const s = await ctx.session();
      await forEachRef(
        ctx,
        refs,
        'remove',
        async (ref) => {
          try {
            await removeNetwork(s, ref, flags.host);
          } catch (err) {
            if (!(flags.force && err instanceof CliError && err.type === 'NoSuchNetwork')) throw err;
          }
        },
        'networks',
      );
    });
  network
    .command('prune')
    .description('Remove all user-defined networks no running container is on')
    .option('-f, --force', 'do not prompt for confirmation (there is no prompt here)')
    .option('--filter <key=value>', 'filter: label, label!, until (repeatable)', collect, [])
    .option('--host <name>', 'on this host only (default: every live host)')
    .action(async (flags: { filter: string[]; host?: string }) => {
      const input = asDaemon(() => networkPruneInput(filtersQuery(flags.filter, 'network prune')));
      const result = await pruneNetworks(await ctx.session(), flags.host ? { ...input, host: flags.host } : input);
      if (result.NetworksDeleted?.length)
        process.stdout.write(['Deleted Networks:', ...result.NetworksDeleted, ''].join('\n'));
    });
  network
    .command('connect')
    .description('Connect a container to a network (a running one at once: its next ethN)')
    .argument('<network>')
    .argument('<container>')
    .option('--alias <alias>', 'network-scoped alias for the container (repeatable)', collect, [])
    .option('--ip <address>', 'IPv4 address on the network')
    .option('--link <name[:alias]>', 'link to another container (repeatable)', collect, [])
    .action(async (net: string, container: string, flags: { alias: string[]; ip?: string; link: string[] }) => {
      const config = {
        ...(flags.alias.length ? { Aliases: flags.alias } : {}),
        ...(flags.link.length ? { Links: flags.link } : {}),
        ...(flags.ip ? { IPAMConfig: { IPv4Address: flags.ip } } : {}),
      };
      await connectNetwork(await ctx.session(), {
        network: net,
        container,
        ...(Object.keys(config).length ? { config } : {}),
      });
    });
  network
    .command('disconnect')
    .description('Disconnect a container from a network')
    .argument('<network>')
    .argument('<container>')
    .option('-f, --force', 'force the container to disconnect from a network')
    .action(async (net: string, container: string, flags: { force?: boolean }) => {
      await disconnectNetwork(await ctx.session(), { network: net, container, force: Boolean(flags.force) });
    });
}

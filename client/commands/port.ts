import type { Command } from 'commander';
import { runningPorts } from '../../common/ports';
import { inspect } from '../api';
import type { CliContext } from '../context';
import { cliError } from '../errors';

const hostPort = (ip: string, port: string) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);

/**
 * docker port: the container's published ports from its record (inspect's NetworkSettings.Ports), one
 * "80/tcp -> 0.0.0.0:8080" line each, sorted; with PRIVATE_PORT[/PROTO] only that port's host addresses.
 */
export function registerPort(program: Command, ctx: CliContext): void {
  program
    .command('port')
    .description('List port mappings or a specific mapping for the container')
    .argument('<container>')
    .argument('[privatePort]', 'PRIVATE_PORT[/PROTO]')
    .action(async (ref: string, privatePort: string | undefined) => {
      const ports = runningPorts(await inspect(await ctx.session(), ref));
      const lines: string[] = [];
      if (privatePort !== undefined) {
        const [port = '', proto = 'tcp'] = privatePort.split('/', 2);
        const key = `${port}/${proto || 'tcp'}`;
        if (!/^\d+$/.test(port) || Number(port) > 65535) throw cliError(`invalid port: ${privatePort}`);
        const bindings = ports[`${Number(port)}/${proto || 'tcp'}`];
        if (!bindings) throw cliError(`No public port '${key}' published for ${ref}`);
        for (const b of bindings) lines.push(hostPort(b.HostIp, b.HostPort));
      } else {
        for (const [key, bindings] of Object.entries(ports))
          for (const b of bindings ?? []) lines.push(`${key} -> ${hostPort(b.HostIp, b.HostPort)}`);
        lines.sort((a, b) => parseInt(a) - parseInt(b) || a.localeCompare(b));
      }
      for (const line of lines) process.stdout.write(`${line}\n`);
    });
}

import { ContainerError } from './errors';
import { bareName } from './names';

/** Docker's container environment: createDaemonEnvironment and links.Link.ToEnv, as pure functions. */

export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** What the daemon knows of a linked container when it builds the env of the one being started. */
export interface LinkTarget {
  /** the linked container's name, with leading slash */
  name: string;
  alias: string;
  ipAddress: string;
  /** "80/tcp", "53/udp" */
  exposedPorts: string[];
  env: string[];
  /** the linked container's Config.Hostname (Docker lists it in /etc/hosts) */
  hostname?: string;
}

/** opts.ParseLink: NAME[:ALIAS] (the alias defaults to the name), or Docker's stored form /NAME:/PARENT/ALIAS. */
export function parseLink(spec: string): { name: string; alias: string } {
  if (spec === '') throw new ContainerError('InvalidParameter', 'empty string specified for links');
  const parts = spec.split(':');
  if (parts.length > 2) throw new ContainerError('InvalidParameter', `bad format for links: ${spec}`);
  const [rawName, alias] = parts as [string, string | undefined];
  const name = bareName(rawName);
  if (alias === undefined || alias === '') return { name, alias: name };
  return { name, alias: rawName.startsWith('/') ? alias.slice(alias.lastIndexOf('/') + 1) : alias };
}

interface Port {
  port: number;
  proto: string;
}

function parsePort(p: string): Port {
  const [num, proto] = p.split('/', 2) as [string, string | undefined];
  return { port: Number.parseInt(num, 10), proto: (proto ?? 'tcp').toLowerCase() };
}

/** withTCPPriority: TCP ports first, then other protocols by name; by number within a protocol. */
function sortPorts(ports: Port[]): Port[] {
  const rank = (p: Port) => (p.proto === 'tcp' ? '' : p.proto);
  return [...ports].sort((a, b) => (rank(a) === rank(b) ? a.port - b.port : rank(a) < rank(b) ? -1 : 1));
}

/** links.Link.ToEnv: the variables a link puts in the parent's environment. */
export function linkEnv(parentName: string, target: LinkTarget): string[] {
  const alias = target.alias.toUpperCase().replace(/-/g, '_');
  const linkName = `${parentName.startsWith('/') ? parentName : `/${parentName}`}/${target.alias}`;
  const ports = sortPorts(target.exposedPorts.map(parsePort));
  const ip = target.ipAddress;
  const env: string[] = [];
  let start = ports[0];
  let end = ports[0];
  ports.forEach((p, i) => {
    if (i === 0) env.push(`${alias}_PORT=${p.proto}://${ip}:${p.port}`);
    const prefix = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(
      `${prefix}=${p.proto}://${ip}:${p.port}`,
      `${prefix}_ADDR=${ip}`,
      `${prefix}_PORT=${p.port}`,
      `${prefix}_PROTO=${p.proto}`,
    );
    // consecutive ports of one protocol form a range, which gets its own variables
    if (p.port === end!.port + 1 && p.proto === end!.proto) {
      end = p;
      if (i < ports.length - 1) return;
    }
    if (end !== start) {
      const r = `${alias}_PORT_${start!.port}_${start!.proto.toUpperCase()}`;
      env.push(
        `${r}_START=${start!.proto}://${ip}:${start!.port}`,
        `${r}_PORT_START=${start!.port}`,
        `${r}_END=${end!.proto}://${ip}:${end!.port}`,
        `${r}_PORT_END=${end!.port}`,
      );
    }
    start = p;
    end = p;
  });
  env.push(`${alias}_NAME=${linkName}`);
  for (const v of target.env) {
    const eq = v.indexOf('=');
    if (eq < 0) continue;
    const key = v.slice(0, eq);
    // Docker drops variables that come from the image build rather than the linked service.
    if (key === 'HOME' || key === 'PATH') continue;
    env.push(`${alias}_ENV_${key}=${v.slice(eq + 1)}`);
  }
  return env;
}

/** ReplaceOrAppendEnvValues: later values replace earlier ones with the same key, in place; a bare KEY unsets KEY. */
export function replaceOrAppendEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const out: Array<string | undefined> = [...defaults];
  const index = new Map<string, number>();
  out.forEach((v, i) => index.set(v!.split('=', 1)[0]!, i));
  for (const v of overrides) {
    const eq = v.indexOf('=');
    if (eq < 0) {
      const at = index.get(v);
      if (at !== undefined) out[at] = undefined;
      continue;
    }
    const key = v.slice(0, eq);
    const at = index.get(key);
    if (at !== undefined) out[at] = v;
    else {
      index.set(key, out.length);
      out.push(v);
    }
  }
  return out.filter((v): v is string => v !== undefined);
}

/** createDaemonEnvironment: PATH, HOSTNAME, TERM when tty, then the links' variables, then the user's env. */
export function daemonEnv(opts: {
  hostname: string;
  tty: boolean;
  linkedEnv: readonly string[];
  userEnv: readonly string[];
}): string[] {
  const base = [DEFAULT_PATH_ENV, `HOSTNAME=${opts.hostname}`];
  if (opts.tty) base.push('TERM=xterm');
  return replaceOrAppendEnv([...base, ...opts.linkedEnv], opts.userEnv);
}

/** /etc/hosts lines for links (addLegacyLinks): "IP\talias hostname [name]", none for a target without an IP. */
export function linkHostsEntries(targets: readonly LinkTarget[]): string[] {
  return targets
    .filter((t) => t.ipAddress !== '')
    .map((t) => {
      const name = bareName(t.name);
      const names = [t.alias, ...(t.hostname ? [t.hostname] : []), ...(t.alias === name ? [] : [name])];
      return `${t.ipAddress}\t${names.join(' ')}`;
    });
}

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
}

/** Parses --link NAME[:ALIAS]; the alias defaults to the name. */
export function parseLink(spec: string): { name: string; alias: string } {
  const [rawName, alias] = spec.split(':', 2) as [string, string | undefined];
  const name = rawName.replace(/^\//, '');
  return { name, alias: alias && alias !== '' ? alias : name };
}

interface Port {
  port: number;
  proto: string;
}

function parsePort(p: string): Port {
  const [num, proto] = p.split('/', 2) as [string, string | undefined];
  return { port: Number.parseInt(num, 10), proto: (proto ?? 'tcp').toLowerCase() };
}

/** nat.Sort as links use it: by port number, tcp before other protocols. */
function sortPorts(ports: Port[]): Port[] {
  return [...ports].sort((a, b) => a.port - b.port || (a.proto === 'tcp' ? -1 : b.proto === 'tcp' ? 1 : 0));
}

/** links.Link.ToEnv: the variables a link puts in the parent's environment. */
export function linkEnv(parentName: string, target: LinkTarget): string[] {
  const alias = target.alias.toUpperCase().replace(/-/g, '_');
  const linkName = `${parentName.startsWith('/') ? parentName : `/${parentName}`}/${target.alias}`;
  const ports = sortPorts(target.exposedPorts.map(parsePort));
  const env: string[] = [];
  const first = ports[0];
  if (first) env.push(`${alias}_PORT=${first.proto}://${target.ipAddress}:${first.port}`);
  for (const p of ports) {
    const prefix = `${alias}_PORT_${p.port}_${p.proto.toUpperCase()}`;
    env.push(`${prefix}=${p.proto}://${target.ipAddress}:${p.port}`);
    env.push(`${prefix}_ADDR=${target.ipAddress}`);
    env.push(`${prefix}_PORT=${p.port}`);
    env.push(`${prefix}_PROTO=${p.proto}`);
  }
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

/** utils.ReplaceOrAppendEnvValues: later values replace earlier ones with the same key, in place. */
export function replaceOrAppendEnv(defaults: readonly string[], overrides: readonly string[]): string[] {
  const out = [...defaults];
  const index = new Map<string, number>();
  out.forEach((v, i) => index.set(v.split('=', 1)[0]!, i));
  for (const v of overrides) {
    const key = v.split('=', 1)[0]!;
    const at = index.get(key);
    if (at !== undefined) out[at] = v;
    else {
      index.set(key, out.length);
      out.push(v);
    }
  }
  return out;
}

/** createDaemonEnvironment: PATH, HOSTNAME, TERM when tty, then the links' variables, then the user's env. */
export function daemonEnv(opts: { hostname: string; tty: boolean; linkedEnv: readonly string[]; userEnv: readonly string[] }): string[] {
  const base = [DEFAULT_PATH_ENV, `HOSTNAME=${opts.hostname}`];
  if (opts.tty) base.push('TERM=xterm');
  return replaceOrAppendEnv([...base, ...opts.linkedEnv], opts.userEnv);
}

/** /etc/hosts lines for links: "IP alias name". */
export function linkHostsEntries(targets: readonly LinkTarget[]): string[] {
  return targets.map((t) => {
    const name = t.name.replace(/^\//, '');
    return t.alias === name ? `${t.ipAddress}\t${t.alias}` : `${t.ipAddress}\t${t.alias} ${name}`;
  });
}

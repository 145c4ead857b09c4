import dgram from 'node:dgram';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import { ContainerError } from '../../../common/errors';
import type { PortRequest } from '../../../common/ports';
import { sleep } from '../../fsutil';
import { netnsPath } from '../layout';
import { spawnDetached } from './exec';
import { isLive, procStat } from './shim';
import { tool } from './tools';

/**
 * One published port's userland proxy (Docker's docker-proxy): socat listening on the host's address in the
 * worker's namespace, forking per TCP connection (per UDP datagram) into `nsenter --net=<project netns> socat`,
 * which connects to the container's IP there (the host cannot route to it: the bridge lives in the project's
 * netns). Its own session, so it outlives the worker. Debian's socat 1.7.4 has no ACCEPT-FD (1.8), so it binds
 * the socket itself: a Node bind first finds the free port (an ephemeral one for -P) and Docker's "already
 * allocated", then socat binds it, and the start waits until /proc shows socat's socket listening.
 */

/** socat's log name (-lp): marks a container's proxies in /proc, so a release finds one its record missed. */
export function proxyMark(id: string): string {
  return `container-saga-port-${id}`;
}

export interface Proxy {
  key: string;
  HostIp: string;
  HostPort: string;
  pid: number;
  /** /proc/<pid>/stat's starttime: a reused pid is never signalled */
  start: number;
}

export function allocatedError(hostIp: string, port: string): ContainerError {
  return new ContainerError('StartFailed', `Bind for ${hostIp}:${port} failed: port is already allocated`, {
    retryable: false,
  });
}

/** Binds the request's port (the first free of its range) and starts its proxy to ip:port in hostNetns. */
export async function startProxy(
  id: string,
  hostNetns: string,
  ip: string,
  r: PortRequest,
  log: string,
): Promise<Proxy> {
  const host = r.hostIp || '0.0.0.0';
  const [lo, hi] = r.hostPorts;
  // an ephemeral port another bind took between the probe and socat's: the kernel picks again (a few times)
  const candidates = lo === 0 ? [0, 0, 0, 0, 0] : Array.from({ length: hi - lo + 1 }, (_, i) => lo + i);
  for (const candidate of candidates) {
    const port = await probe(r.proto, host, candidate);
    if (port === undefined) continue;
    const proxy = await spawnProxy(id, hostNetns, ip, r, host, port, log);
    if (proxy) return proxy;
  }
  throw allocatedError(host, lo === hi ? String(lo) : `${lo}-${hi}`);
}

/** The port a bind of host:port gets (the kernel's choice for 0), or undefined when it is taken. */
async function probe(proto: PortRequest['proto'], host: string, port: number): Promise<number | undefined> {
  try {
    if (proto === 'udp') {
      const sock = dgram.createSocket(host.includes(':') ? 'udp6' : 'udp4');
      await new Promise<void>((resolve, reject) => {
        sock.once('error', reject);
        sock.bind({ address: host, port, exclusive: true }, resolve);
      });
      const bound = sock.address().port;
      await new Promise<void>((resolve) => sock.close(resolve));
      return bound;
    }
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host, port, exclusive: true }, resolve);
    });
    const bound = (server.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    return bound;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') return undefined;
    if ((err as NodeJS.ErrnoException).code === 'EADDRNOTAVAIL')
      throw new ContainerError(
        'StartFailed',
        `Error starting userland proxy: listen ${proto}${host.includes(':') ? 6 : 4} ${host}:${port}: bind: cannot assign requested address`,
        { retryable: false },
      );
    throw err;
  }
}

/** socat on host:port; undefined when another process took the port first (the next candidate is tried). */
async function spawnProxy(
  id: string,
  hostNetns: string,
  ip: string,
  req: PortRequest,
  host: string,
  port: number,
  log: string,
): Promise<Proxy | undefined> {
  const v6 = host.includes(':');
  const bind = v6 ? `[${host}]` : host;
  const listen =
    req.proto === 'udp'
      ? `UDP${v6 ? 6 : 4}-RECVFROM:${port},bind=${bind},reuseaddr,fork`
      : `TCP${v6 ? 6 : 4}-LISTEN:${port},bind=${bind},reuseaddr,fork${v6 ? ',ipv6only=1' : ''}`;
  // socat's address syntax: the inner address's colons escaped; a UDP peer's child ends after 30 s idle
  const target = req.proto === 'udp' ? `-T 30 STDIO UDP4\\:${ip}\\:${req.port}` : `STDIO TCP4\\:${ip}\\:${req.port}`;
  const inner = `EXEC:${tool('nsenter')} --net=${netnsPath(hostNetns)} ${tool('socat')} ${target}`;
  const before = await logSize(log);
  const pid = await spawnDetached(tool('socat'), ['-lp', proxyMark(id), listen, inner], log);
  const start = (await procStat(pid))?.start ?? 0;
  const proxy = { key: req.key, HostIp: host, HostPort: String(port), pid, start };
  for (let waited = 0; waited < 5000; waited += 20) {
    if (await listening(pid, req.proto, port)) return proxy;
    if (!(await isLive(pid, start))) {
      const text = (await fs.readFile(log, 'utf8').catch(() => '')).slice(before);
      if (/Address already in use/.test(text)) return undefined;
      throw new ContainerError('Internal', `the proxy of ${host}:${port} exited: ${text.trim().slice(-400)}`);
    }
    await sleep(20);
  }
  await stopProxy(proxy);
  throw new ContainerError('Internal', `the proxy of ${host}:${port} did not listen within 5 s`);
}

async function logSize(file: string): Promise<number> {
  return (await fs.stat(file).catch(() => undefined))?.size ?? 0;
}

/** Whether pid holds a socket bound to `port` that listens (TCP) or is bound (UDP), per /proc. */
async function listening(pid: number, proto: PortRequest['proto'], port: number): Promise<boolean> {
  const inodes = new Set<string>();
  for (const fd of await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[])) {
    const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const m = /^socket:\[(\d+)\]$/.exec(link);
    if (m) inodes.add(m[1]!);
  }
  if (inodes.size === 0) return false;
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const state = proto === 'udp' ? '07' : '0A';
  for (const table of proto === 'udp' ? ['udp', 'udp6'] : ['tcp', 'tcp6']) {
    const text = await fs.readFile(`/proc/${pid}/net/${table}`, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[1]?.endsWith(`:${hexPort}`) && f[3] === state && inodes.has(f[9] ?? '')) return true;
    }
  }
  return false;
}

/**
 * Ends a proxy and its per-connection children (its process group: it leads its own session), SIGTERM then
 * SIGKILL; only while the pid is still the process that started at `start`. Resolves once it is gone.
 */
export async function stopProxy(p: { pid: number; start: number }): Promise<void> {
  for (const [sig, waitMs] of [
    ['SIGTERM', 1000],
    ['SIGKILL', 2000],
  ] as const) {
    if (!(await isLive(p.pid, p.start))) return;
    try {
      process.kill(-p.pid, sig);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err;
    }
    for (let t = 0; t < waitMs; t += 20) {
      if (!(await isLive(p.pid, p.start))) return;
      await sleep(20);
    }
  }
  throw new ContainerError('Internal', `the port proxy pid ${p.pid} does not exit`);
}

/** Every live process marked as one of `id`'s proxies (or of any container, without id), with its start. */
export async function markedProxies(id?: string): Promise<Array<{ id: string; pid: number; start: number }>> {
  const out: Array<{ id: string; pid: number; start: number }> = [];
  for (const name of await fs.readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(name)) continue;
    const argv = (await fs.readFile(`/proc/${name}/cmdline`, 'utf8').catch(() => '')).split('\0');
    const at = argv.indexOf('-lp');
    const mark = at >= 0 ? argv[at + 1] : undefined;
    if (!mark?.startsWith(proxyMark('')) || (id !== undefined && mark !== proxyMark(id))) continue;
    const st = await procStat(Number(name));
    // a forked per-connection child has the same argv: only its group leader (the listener) counts
    if (st && st.state !== 'Z' && (await pgid(Number(name))) === Number(name))
      out.push({ id: mark.slice(proxyMark('').length), pid: Number(name), start: st.start });
  }
  return out;
}

async function pgid(pid: number): Promise<number | undefined> {
  const text = await fs.readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return text ? Number(rest[2]) : undefined;
}

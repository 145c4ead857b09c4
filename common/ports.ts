/**
 * Published ports as Docker's go-connections `nat` package parses them (`-p [ip:][hostPort:]containerPort[/proto]`)
 * and as the daemon checks `HostConfig.PortBindings`; pure, so the CLI, the API and the create check share it.
 * Errors are plain Errors with Docker's messages: each caller wraps them in its own kind.
 */
import type { ContainerRecord, PortBinding, PortMap } from './types';

export type PortProto = 'tcp' | 'udp' | 'sctp';

/** One host port a start binds: containerPort/proto ← hostIp:[lo-hi] (lo 0: any free port). */
export interface PortRequest {
  /** "80/tcp" */
  key: string;
  port: number;
  proto: PortProto;
  /** '' or 0.0.0.0: every address */
  hostIp: string;
  /** the host ports to try in order; [0, 0]: an ephemeral one */
  hostPorts: [number, number];
}

/** One host port a start bound. */
export interface PublishedPort {
  key: string;
  HostIp: string;
  HostPort: string;
}

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** net.ParseIP's acceptance, without node:net (this module is workflow-safe). */
export function isIpAddress(ip: string): boolean {
  if (IPV4.test(ip)) return true;
  if (!/^[0-9a-fA-F:.]+$/.test(ip) || !ip.includes(':') || (ip.match(/::/g) ?? []).length > 1) return false;
  const v4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (v4 && !IPV4.test(v4[1]!)) return false;
  const groups = (v4 ? ip.slice(0, v4.index + 1) + '0:0' : ip).split(':');
  if (groups.some((g) => g.length > 4)) return false;
  return ip.includes('::') ? groups.length <= 8 : groups.length === 8 && groups.every((g) => g !== '');
}

/** nat's parsePortRange: "80" or "8000-8010", each 0..65535 (ParseUint base 10, 16 bits). */
export function parsePortRange(s: string): [number, number] | undefined {
  const parts = s.split('-');
  if (s === '' || parts.length > 2 || parts.some((p) => !/^\d{1,5}$/.test(p))) return undefined;
  const [lo, hi] = [Number(parts[0]), Number(parts[parts.length - 1])];
  if (lo > 65535 || hi > 65535 || hi < lo) return undefined;
  return [lo, hi];
}

/** nat.SplitProtoPort: "80/udp" → ['udp', '80'], "80" → ['tcp', '80']. */
function splitProtoPort(raw: string): [string, string] {
  const parts = raw.split('/');
  if (raw === '' || parts[0] === '') return ['', ''];
  if (parts.length === 1 || parts[1] === '') return ['tcp', parts[0]!];
  return [parts[1]!, parts[0]!];
}

/** One `-p` value → its bindings, keyed "80/tcp" (nat.ParsePortSpec, messages verbatim). */
export function parsePortSpec(raw: string): Array<{ key: string; binding: PortBinding }> {
  const parts = raw.split(':');
  const n = parts.length;
  const containerPart = parts[n - 1]!;
  const hostPort = n >= 2 ? parts[n - 2]! : '';
  let ip = n >= 3 ? parts.slice(0, n - 2).join(':') : '';
  const [proto, containerPort] = splitProtoPort(containerPart);
  if (containerPort === '') throw new Error(`no port specified: ${raw}<empty>`);
  if (!['tcp', 'udp', 'sctp'].includes(proto.toLowerCase())) throw new Error(`invalid proto: ${proto}`);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  if (ip !== '' && !isIpAddress(ip)) throw new Error(`invalid IP address: ${ip}`);
  const cRange = parsePortRange(containerPort);
  if (!cRange || cRange[0] === 0) throw new Error(`invalid containerPort: ${containerPort}`);
  let hRange: [number, number] | undefined;
  if (hostPort !== '') {
    hRange = parsePortRange(hostPort);
    if (!hRange) throw new Error(`invalid hostPort: ${hostPort}`);
    if (hRange[1] - hRange[0] !== cRange[1] - cRange[0] && cRange[0] !== cRange[1])
      throw new Error(`invalid ranges specified for container and host Ports: ${containerPort} and ${hostPort}`);
  }
  const count = cRange[1] - cRange[0] + 1;
  return Array.from({ length: count }, (_, i) => {
    let hPort = '';
    if (hRange) {
      hPort = String(hRange[0] + i);
      // a single container port with a host range: the range to allocate one from
      if (count === 1 && hRange[0] !== hRange[1]) hPort += `-${hRange[1]}`;
    }
    return { key: `${cRange[0] + i}/${proto.toLowerCase()}`, binding: { HostIp: ip, HostPort: hPort } };
  });
}

/** Every `-p` of a create → Docker's PortMap (nat.ParsePortSpecs: bindings of one port accumulate). */
export function parsePublish(specs: readonly string[]): PortMap {
  const map: PortMap = {};
  for (const spec of specs) for (const { key, binding } of parsePortSpec(spec)) (map[key] ??= []).push(binding);
  return map;
}

/** A PortMap's key ("80", "80/tcp") normalized, or undefined when it is no port (the daemon's check). */
export function portKey(key: string): string | undefined {
  const [proto, port] = splitProtoPort(key);
  const range = parsePortRange(port);
  if (!range || range[0] !== range[1] || range[0] === 0 || !['tcp', 'udp', 'sctp'].includes(proto)) return undefined;
  return `${range[0]}/${proto}`;
}

/**
 * HostConfig.PortBindings checked as the daemon checks it (`invalid port specification: "…"`), keys normalized,
 * HostIp checked too (else the start would fail on it).
 */
export function checkPortBindings(map: PortMap): PortMap {
  const out: PortMap = {};
  for (const [rawKey, bindings] of Object.entries(map)) {
    const key = portKey(rawKey);
    if (!key) throw new Error(`invalid port specification: ${JSON.stringify(rawKey.split('/')[0])}`);
    const list = (out[key] ??= []);
    for (const b of bindings ?? []) {
      const hostPort = b.HostPort ?? '';
      if (hostPort !== '' && !parsePortRange(hostPort))
        throw new Error(`invalid port specification: ${JSON.stringify(hostPort)}`);
      const hostIp = b.HostIp ?? '';
      if (hostIp !== '' && !isIpAddress(hostIp.replace(/^\[(.*)\]$/, '$1')))
        throw new Error(`invalid IP address: ${hostIp}`);
      list.push({ HostIp: hostIp.replace(/^\[(.*)\]$/, '$1'), HostPort: hostPort });
    }
  }
  return out;
}

/**
 * What a start binds: each binding of PortBindings, and with PublishAllPorts an ephemeral port on every address
 * for each exposed port that has none (Docker's -P).
 */
export function portRequests(
  exposed: Readonly<Record<string, unknown>>,
  bindings: PortMap | undefined,
  publishAll: boolean | undefined,
): PortRequest[] {
  const map: PortMap = { ...(bindings ?? {}) };
  if (publishAll)
    for (const key of Object.keys(exposed)) if (!map[key]?.length) map[key] = [{ HostIp: '', HostPort: '' }];
  const out: PortRequest[] = [];
  for (const [key, list] of Object.entries(map)) {
    const [proto, port] = splitProtoPort(key);
    for (const b of list ?? []) {
      const range = b.HostPort === '' ? undefined : parsePortRange(b.HostPort);
      out.push({
        key: `${Number(port)}/${proto}`,
        port: Number(port),
        proto: proto as PortProto,
        hostIp: b.HostIp,
        hostPorts: range ?? [0, 0],
      });
    }
  }
  return out;
}

/** Docker's NetworkSettings.Ports: every exposed port, with what it is published on or null. */
export function portMap(exposed: Readonly<Record<string, unknown>>, published: readonly PublishedPort[]): PortMap {
  const map: PortMap = {};
  for (const key of Object.keys(exposed)) map[key] = null;
  for (const p of published) (map[p.key] ??= []).push({ HostIp: p.HostIp, HostPort: p.HostPort });
  for (const key of Object.keys(map)) if (map[key]?.length === 0) map[key] = null;
  return map;
}

/** The ports of a PortMap as the API's summary lists them ({IP, PrivatePort, PublicPort, Type}), sorted. */
export function summaryPorts(
  map: PortMap,
): Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> {
  const out: Array<{ IP?: string; PrivatePort: number; PublicPort?: number; Type: string }> = [];
  for (const [key, bindings] of Object.entries(map)) {
    const [type, port] = splitProtoPort(key);
    if (!bindings) out.push({ PrivatePort: Number(port), Type: type });
    else
      for (const b of bindings)
        out.push({ IP: b.HostIp, PrivatePort: Number(port), PublicPort: Number(b.HostPort), Type: type });
  }
  return out.sort((a, b) => a.PrivatePort - b.PrivatePort || a.Type.localeCompare(b.Type));
}

/**
 * docker ps's PORTS (the CLI's DisplayablePorts): "0.0.0.0:8080->80/tcp, 443/tcp", consecutive ports of one
 * address and protocol grouped ("0.0.0.0:8000-8002->80-82/tcp").
 */
export function displayPorts(ports: ReturnType<typeof summaryPorts>): string {
  const groups: Array<{ ip?: string; type: string; priv: [number, number]; pub?: [number, number] }> = [];
  for (const p of ports) {
    const last = groups.find(
      (g) =>
        g.ip === p.IP &&
        g.type === p.Type &&
        g.priv[1] + 1 === p.PrivatePort &&
        (g.pub === undefined ? p.PublicPort === undefined : g.pub[1] + 1 === p.PublicPort),
    );
    if (last) {
      last.priv[1] = p.PrivatePort;
      if (last.pub) last.pub[1] = p.PublicPort!;
    } else
      groups.push({
        ip: p.IP,
        type: p.Type,
        priv: [p.PrivatePort, p.PrivatePort],
        pub: p.PublicPort === undefined ? undefined : [p.PublicPort, p.PublicPort],
      });
  }
  const range = ([a, b]: [number, number]) => (a === b ? `${a}` : `${a}-${b}`);
  return groups
    .map((g) => (g.pub ? `${g.ip}:${range(g.pub)}->${range(g.priv)}/${g.type}` : `${range(g.priv)}/${g.type}`))
    .join(', ');
}

/**
 * What a container publishes now (Docker's NetworkSettings.Ports): its record's ports while it runs (records
 * from before ports: every exposed port, unpublished); nothing once it has stopped.
 */
export function runningPorts(rec: ContainerRecord): PortMap {
  if (!rec.State.Running) return {};
  return rec.NetworkSettings.Ports ?? portMap(rec.Config.ExposedPorts ?? {}, []);
}

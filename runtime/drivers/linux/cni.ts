import { promises as fs } from 'node:fs';
import path from 'node:path';
import { formatIPv4, parseCidr, sizeOf } from '../../../common/cidr';
import { ContainerError } from '../../../common/errors';
import { DEFAULT_BRIDGE_CNI } from '../../../common/network-types';
import type { NetworkSettings } from '../../../common/types';
import { run } from './exec';
import { netnsPath } from '../layout';
import { cniPath, tool } from './tools';

/**
 * The container network: CNI `bridge` + `host-local` IPAM, run inside a project-owned "host side" network
 * namespace (nsenter --net=/run/netns/<hostNetns>), so the bridge, its gateway address and the IP forwarding
 * sysctl live in that namespace and the container subnet never touches the real host's network. The plugin does
 * not masquerade (ipMasq off): uplink.ts does, for every subnet in that namespace, where it leaves.
 */
export interface CniNetwork {
  /** CNI network name (also the IPAM subdirectory) */
  name: string;
  /** bridge device, inside the host-side namespace */
  bridge: string;
  subnet: string;
  /** host-local dataDir: <root>/cni/ipam */
  dataDir: string;
  /** the host-side namespace's name under /run/netns */
  hostNetns: string;
  /** the bridge's address (default: the subnet's first) */
  gateway?: string;
  /** host-local's range inside the subnet (IPAM's IPRange) */
  ipRange?: string;
  /** an internal network: no default route out of the subnet */
  internal?: boolean;
}

/** The default bridge's CNI name: also its IPAM directory, so records from before user networks keep theirs. */
export const DEFAULT_CNI_NAME = DEFAULT_BRIDGE_CNI;

export const CNI_VERSION = '1.0.0';
export const CNI_IFNAME = 'eth0';

export interface CniResult {
  cniVersion: string;
  interfaces?: Array<{ name: string; mac?: string; sandbox?: string }>;
  ips?: Array<{ interface?: number; address: string; gateway?: string }>;
  [k: string]: unknown;
}

/** The network config piped to the plugin (pure). prevResult is passed on DEL, as the CNI spec asks. */
export function bridgeConfig(net: CniNetwork, prevResult?: CniResult): Record<string, unknown> {
  return {
    cniVersion: CNI_VERSION,
    name: net.name,
    type: 'bridge',
    bridge: net.bridge,
    isGateway: true,
    ipMasq: false,
    ipam: {
      type: 'host-local',
      ranges: [[{ subnet: net.subnet, ...(net.gateway ? { gateway: net.gateway } : {}), ...rangeOf(net.ipRange) }]],
      ...(net.internal ? {} : { routes: [{ dst: '0.0.0.0/0' }] }),
      dataDir: net.dataDir,
    },
    ...(prevResult ? { prevResult } : {}),
  };
}

/** host-local's rangeStart/rangeEnd for an IPRange (its first and last usable addresses). */
function rangeOf(ipRange: string | undefined): { rangeStart?: string; rangeEnd?: string } {
  const c = ipRange ? parseCidr(ipRange) : undefined;
  if (!c) return {};
  const last = c.base + sizeOf(c) - 1;
  return {
    rangeStart: formatIPv4(c.prefix >= 31 ? c.base : c.base + 1),
    rangeEnd: formatIPv4(c.prefix >= 31 ? last : last - 1),
  };
}

/** NetworkSettings from an ADD result (pure): the address of the interface inside the sandbox. */
export function settingsFromResult(result: CniResult, sandboxKey: string): NetworkSettings {
  const ifaces = result.interfaces ?? [];
  const inSandbox = ifaces.findIndex((i) => i.sandbox !== undefined);
  const ip = (result.ips ?? []).find((i) => i.interface === inSandbox) ?? result.ips?.[0];
  const [addr, prefix] = (ip?.address ?? '').split('/');
  const iface = ip?.interface !== undefined ? ifaces[ip.interface] : ifaces[inSandbox];
  return {
    IPAddress: addr ?? '',
    IPPrefixLen: prefix ? Number(prefix) : 0,
    Gateway: ip?.gateway ?? '',
    MacAddress: iface?.mac ?? '',
    SandboxKey: sandboxKey,
  };
}

/** The message of a CNI error ({code,msg,details} on stdout) or the plugin's stderr. */
function pluginError(stdout: string, stderr: string, code: number | null): string {
  try {
    const e = JSON.parse(stdout) as { code?: number; msg?: string; details?: string };
    if (e.msg) return `${e.msg}${e.details ? `: ${e.details}` : ''} (CNI error ${e.code ?? '?'})`;
  } catch {
    // not JSON: fall through
  }
  return (stderr.trim() || stdout.trim() || `exit status ${code}`).slice(0, 2000);
}

/** What one plugin call is about: the container, its netns, the interface inside it, an address it asked for. */
export interface CniCall {
  containerId: string;
  /** '' when the namespace is already gone (DEL) */
  netns: string;
  ifname: string;
  ip?: string;
}

async function invoke(
  command: 'ADD' | 'DEL',
  net: CniNetwork,
  call: CniCall,
  config: Record<string, unknown>,
): Promise<string> {
  const { containerId, netns, ifname, ip } = call;
  const dir = cniPath();
  const r = await run(tool('nsenter'), [`--net=${netnsPath(net.hostNetns)}`, path.join(dir, 'bridge')], {
    input: JSON.stringify(config),
    env: {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      CNI_COMMAND: command,
      CNI_CONTAINERID: containerId,
      CNI_NETNS: netns,
      CNI_IFNAME: ifname,
      CNI_PATH: dir,
      // host-local's static address (--ip); unknown keys are ignored by the other plugins
      ...(ip && command === 'ADD' ? { CNI_ARGS: `IgnoreUnknown=1;IP=${ip}` } : {}),
    },
  });
  if (r.code !== 0) {
    throw new ContainerError(
      'Internal',
      `CNI ${command} for ${containerId.slice(0, 12)}: ${pluginError(r.stdout, r.stderr, r.code)}`,
    );
  }
  return r.stdout;
}

/** CNI ADD into the namespace at netns; returns the plugin's result. */
export async function cniAdd(net: CniNetwork, call: CniCall): Promise<CniResult> {
  const { containerId } = call;
  const out = await invoke('ADD', net, call, bridgeConfig(net));
  try {
    return JSON.parse(out) as CniResult;
  } catch {
    throw new ContainerError(
      'Internal',
      `CNI ADD for ${containerId.slice(0, 12)}: unreadable result: ${out.slice(0, 500)}`,
    );
  }
}

/**
 * CNI DEL: releases the IPAM allocation of containerId and deletes its veth. Repeatable; works after an ADD
 * that never ran or half ran. netns may be '' when the namespace is already gone (the spec allows it).
 */
export async function cniDel(net: CniNetwork, call: CniCall, prevResult?: CniResult): Promise<void> {
  await invoke('DEL', net, call, bridgeConfig(net, prevResult));
}

/** The host-local allocations (files named after the IP, first line = container ID) of every network, or of one. */
export async function ipamAllocations(
  dataDir: string,
  only?: string,
): Promise<Array<{ ip: string; containerId: string; file: string; network: string }>> {
  const out: Array<{ ip: string; containerId: string; file: string; network: string }> = [];
  const nets = only ? [only] : await fs.readdir(dataDir).catch(() => [] as string[]);
  for (const n of nets) {
    const dir = path.join(dataDir, n);
    const files = await fs.readdir(dir).catch(() => [] as string[]);
    for (const f of files) {
      if (f === 'lock' || f.startsWith('last_reserved_ip')) continue;
      const file = path.join(dir, f);
      const text = await fs.readFile(file, 'utf8').catch(() => undefined);
      if (text === undefined) continue;
      out.push({ ip: f, containerId: text.split(/\r?\n/)[0]!.trim(), file, network: n });
    }
  }
  return out;
}

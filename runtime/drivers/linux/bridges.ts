import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ContainerError } from '../../../common/errors';
import { getConfig } from '../../../config';
import type { IdRange } from '../../../config/userns-remap';
import type { StepContext } from '../../contract';
import type { BridgeAttachment, BridgeRule, EndpointAddress, NetnsPlan, NetnsResult } from '../../driver';
import { netnsName, netnsPath, short, type Layout } from '../layout';
import { DEFAULT_CNI_NAME, type CniNetwork } from './cni';
import { run, toolOutput } from './exec';
import { ensureIsolation, forgetIsolation } from './isolation';
import { connectBridges, connectOne, ownNetns } from './network';
import { ensureNetns, netnsExists } from './netns';
import { tool } from './tools';
import { ensureUplink } from './uplink';

/**
 * The host's bridge networks as the Linux driver wires them: each its own bridge device and CNI config in the
 * project's host-side netns (the default one is the driver's own), kept apart by the isolation table.
 */
export class HostBridges {
  constructor(
    private readonly defaultNet: CniNetwork,
    private readonly layout: Layout,
    private readonly remap: IdRange | undefined,
    /** the host-side netns's uplink /30 (uplink.ts; default CONTAINER_SAGA_UPLINK_SUBNET) */
    private readonly uplinkSubnet = getConfig().uplinkSubnet,
  ) {}

  async connect(id: string, plan: NetnsPlan, ctx?: StepContext): Promise<NetnsResult> {
    const sandboxKey = netnsPath(netnsName(id));
    if (plan.kind !== 'bridge') {
      await ownNetns(this.layout, id, this.remap);
      return { sandboxKey, addresses: [] };
    }
    const reqs = plan.attachments?.map((a) => ({ net: this.cniNetwork(a), ip: a.ip })) ?? [{ net: this.defaultNet }];
    if (plan.rules) await this.isolate(plan.rules);
    else await this.hostSide();
    return { sandboxKey, addresses: await connectBridges(this.layout, id, reqs, this.defaultNet, this.remap, ctx) };
  }

  async attach(id: string, a: BridgeAttachment, rules: BridgeRule[], ctx?: StepContext): Promise<EndpointAddress> {
    if (!(await netnsExists(netnsName(id))))
      throw new ContainerError('Conflict', `container ${short(id)} has no network namespace to connect`);
    await this.isolate(rules);
    return connectOne(this.layout, id, { net: this.cniNetwork(a), ip: a.ip }, this.defaultNet, ctx);
  }

  /** The bridge device in the host-side netns, the network's IPAM directory, and its place in the rules. */
  async remove(cniName: string, bridge: string, rules: BridgeRule[]): Promise<void> {
    const ns = this.defaultNet.hostNetns;
    if (bridge && (await netnsExists(ns))) {
      await this.isolate(rules);
      const r = await run(tool('nsenter'), [`--net=${netnsPath(ns)}`, tool('ip'), 'link', 'del', bridge]);
      if (r.code !== 0 && !/Cannot find device|does not exist/.test(r.stderr))
        throw new ContainerError('Internal', `remove bridge ${bridge}: ${toolOutput(r)}`);
    }
    await fs.rm(path.join(this.layout.ipamDir, cniName), { recursive: true, force: true });
  }

  /**
   * The IPv4 subnets on the host-side netns's devices: a bridge there that no network of this state root owns
   * (another root sharing the namespace, or one whose root was deleted) must not get a twin subnet.
   */
  async subnets(): Promise<Array<{ device: string; subnet: string }>> {
    const ns = this.defaultNet.hostNetns;
    if (!(await netnsExists(ns))) return [];
    const r = await run(tool('nsenter'), [`--net=${netnsPath(ns)}`, tool('ip'), '-j', '-4', 'addr', 'show']);
    if (r.code !== 0) throw new ContainerError('Internal', `list the addresses in ${ns}: ${toolOutput(r)}`);
    const links = JSON.parse(r.stdout || '[]') as Array<{
      ifname: string;
      addr_info?: Array<{ local: string; prefixlen: number }>;
    }>;
    return links.flatMap((l) =>
      (l.addr_info ?? []).map((a) => ({ device: l.ifname, subnet: `${a.local}/${a.prefixlen}` })),
    );
  }

  /** A network of the host as CNI sees it: its own bridge and subnet, in the driver's host-side netns. */
  private cniNetwork(a: BridgeAttachment): CniNetwork {
    if (a.cniName === DEFAULT_CNI_NAME) return this.defaultNet;
    return {
      name: a.cniName,
      bridge: a.bridge,
      subnet: a.subnet,
      gateway: a.gateway,
      ipRange: a.ipRange,
      internal: a.internal,
      dataDir: this.layout.ipamDir,
      hostNetns: this.defaultNet.hostNetns,
    };
  }

  /** The host-side netns, and its uplink to the host (uplink.ts): every bridge network's way out. */
  private async hostSide(): Promise<void> {
    const ns = this.defaultNet.hostNetns;
    if (!(await netnsExists(ns))) {
      forgetIsolation(ns);
      await ensureNetns(ns, { reassertLo: false });
    }
    await ensureUplink(ns, this.uplinkSubnet);
  }

  private async isolate(rules: readonly BridgeRule[]): Promise<void> {
    await this.hostSide();
    const ns = this.defaultNet.hostNetns;
    const named = rules.map((r) => (r.cniName === DEFAULT_CNI_NAME ? { ...r, bridge: this.defaultNet.bridge } : r));
    await ensureIsolation(ns, named);
  }
}

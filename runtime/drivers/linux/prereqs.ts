import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { cniPath, findTool, type ToolName } from './tools';

/**
 * Can the Linux driver run here? Used by the worker to pick a driver and to say why not. Checks only local
 * facts (no process is started): Linux, root, runc, the CNI plugins, overlayfs, and the tools the driver runs.
 */
export async function linuxPrerequisites(): Promise<{ ok: boolean; missing: string[]; reason: string }> {
  const missing: string[] = [];
  if (process.platform !== 'linux') missing.push(`Linux (this is ${process.platform})`);
  else {
    if (process.getuid?.() !== 0) missing.push('root (mounts, network namespaces and runc need uid 0)');
    const tools: Array<[ToolName, string]> = [
      ['runc', 'runc (package runc)'],
      ['ip', 'ip (package iproute2)'],
      ['nsenter', 'nsenter (package util-linux)'],
      ['unshare', 'unshare (package util-linux)'],
      ['flock', 'flock (package util-linux)'],
      ['mount', 'mount (package mount)'],
      ['umount', 'umount (package mount)'],
      ['nft', 'nft (package nftables)'],
      ['sh', 'sh'],
      ['socat', "socat (package socat: the published ports' proxies)"],
    ];
    for (const [t, label] of tools) if (!findTool(t)) missing.push(label);
    const cni = cniPath();
    for (const plugin of ['bridge', 'host-local', 'loopback']) {
      try {
        accessSync(path.join(cni, plugin), constants.X_OK);
      } catch {
        missing.push(`CNI plugin ${plugin} in ${cni} (package containernetworking-plugins, or set CNI_PATH)`);
      }
    }
    if (!hasOverlay()) missing.push('overlay filesystem (modprobe overlay)');
  }
  const reason =
    missing.length === 0 ? 'Linux driver available' : `Linux driver unavailable: missing ${missing.join('; ')}`;
  return { ok: missing.length === 0, missing, reason };
}

function hasOverlay(): boolean {
  try {
    if (/\toverlay$/m.test(readFileSync('/proc/filesystems', 'utf8'))) return true;
  } catch {
    return false;
  }
  // Not loaded yet: loadable on first mount when the module is installed.
  try {
    const release = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim();
    const dep = readFileSync(`/lib/modules/${release}/modules.dep`, 'utf8');
    return /\/overlay\.ko/.test(dep);
  } catch {
    return false;
  }
}

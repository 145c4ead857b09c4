/** The container's /etc/hostname, /etc/hosts and /etc/resolv.conf contents (pure), bound in by the spec. */

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/** Docker's default hosts file: localhost lines, the container's own address, then the link entries. */
export function hostsFile(hostname: string, ipAddress: string, extraHosts: readonly string[]): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  if (ipAddress) lines.push(`${ipAddress}\t${hostname}`);
  lines.push(...extraHosts);
  return `${lines.join('\n')}\n`;
}

/**
 * A resolv.conf without name servers: the container network lives in a project-owned namespace with no route
 * out, so the host's resolvers would be unreachable anyway (and nothing of the host's file leaks in).
 */
export function resolvConf(): string {
  return '# container-saga: no name servers (the container network is isolated)\n';
}

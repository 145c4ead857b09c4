/**
 * The container's /etc/hostname and /etc/hosts contents (pure), bound in by the spec (resolv.conf:
 * runtime/resolv-conf.ts).
 */

export function hostnameFile(hostname: string): string {
  return `${hostname}\n`;
}

/**
 * The names of the container's own line, as Docker's updateHostsFile writes them: the FQDN (hostname.domainname),
 * then the bare host name when the FQDN has a dot.
 */
export function ownNames(hostname: string, domainname: string): string {
  const fqdn = domainname ? `${hostname}.${domainname}` : hostname;
  const dot = fqdn.indexOf('.');
  return dot > 0 ? `${fqdn} ${fqdn.slice(0, dot)}` : fqdn;
}

/**
 * Docker's hosts file: localhost lines, the extra lines (--add-host, then links), then the container's own
 * address (appended last, as Docker adds it once the endpoint has its address).
 */
export function hostsFile(hostname: string, ipAddress: string, extraHosts: readonly string[], domainname = ''): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
    ...extraHosts,
  ];
  if (ipAddress) lines.push(`${ipAddress}\t${ownNames(hostname, domainname)}`);
  return `${lines.join('\n')}\n`;
}

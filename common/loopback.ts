/**
 * Loopback, one rule for every place that trusts it (the Engine API's Host check and its plain-HTTP TCP
 * opt-out, registries spoken to over plain HTTP as Docker's `--insecure-registry` default allows):
 * `localhost`, `::1` and the IPv4 network 127.0.0.0/8.
 */

/** The host of `host[:port]` or a Host header: lower case, without the port or an IPv6 address's brackets. */
export function hostOnly(hostPort: string): string {
  const h = hostPort.trim().toLowerCase();
  const v6 = /^\[([^\]]*)\](?::\d*)?$/.exec(h);
  if (v6) return v6[1]!;
  return h.replace(/:\d*$/, '');
}

/** Whether a host (no port) is loopback. */
export function isLoopbackHost(host: string): boolean {
  if (host === 'localhost' || host === '::1') return true;
  const octets = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host)?.slice(1).map(Number);
  return octets !== undefined && octets[0] === 127 && octets.every((o) => o <= 255);
}

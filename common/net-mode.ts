/** Docker's SetDefaultNetModeIfBlank: a blank (or "default") mode means bridge on Linux. */
export function defaultNetMode(mode: string): string {
  return mode === '' || mode === 'default' ? 'bridge' : mode;
}

/** user: a user-defined network, named (or its ID) in the mode */
export type NetKind = 'bridge' | 'none' | 'host' | 'container' | 'user';

export interface ParsedMode {
  kind: NetKind;
  /** for container:<ref>, and the network's name or ID for user */
  target?: string;
}

/** What a network's name may be (Docker's): also what a mode naming one looks like. */
export const NETWORK_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

/**
 * Parses a (defaulted) network mode: Docker's built-in modes, or the name or ID of a user-defined network
 * (whether it exists is the host's question, at create and at start); undefined when it can be neither.
 */
export function parseNetMode(mode: string): ParsedMode | undefined {
  const m = defaultNetMode(mode);
  if (m === 'bridge' || m === 'none' || m === 'host') return { kind: m };
  if (m.startsWith('container:') && m.length > 'container:'.length) {
    return { kind: 'container', target: m.slice('container:'.length) };
  }
  if (m !== 'container' && NETWORK_NAME.test(m)) return { kind: 'user', target: m };
  return undefined;
}

export type IpcKind = 'private' | 'shareable' | 'host' | 'container' | 'none';

/** Parses an IPC mode (blank = private); undefined when invalid. */
export function parseIpcMode(mode: string): { kind: IpcKind; target?: string } | undefined {
  if (mode === '' || mode === 'private') return { kind: 'private' };
  if (mode === 'shareable' || mode === 'host' || mode === 'none') return { kind: mode };
  if (mode.startsWith('container:') && mode.length > 'container:'.length) {
    return { kind: 'container', target: mode.slice('container:'.length) };
  }
  return undefined;
}

/** Docker skips the container's own /dev/shm for ipc host and container:X, which reuse another one. */
export function needsOwnIpc(mode: string): boolean {
  const p = parseIpcMode(mode);
  return p !== undefined && p.kind !== 'host' && p.kind !== 'container' && p.kind !== 'none';
}

/** Docker's SetDefaultNetModeIfBlank: a blank (or "default") mode means bridge on Linux. */
export function defaultNetMode(mode: string): string {
  return mode === '' || mode === 'default' ? 'bridge' : mode;
}

export type NetKind = 'bridge' | 'none' | 'host' | 'container';

export interface ParsedMode {
  kind: NetKind;
  /** for container:<ref> */
  target?: string;
}

/** Parses a (defaulted) network mode; undefined when it is none of Docker's built-in modes. */
export function parseNetMode(mode: string): ParsedMode | undefined {
  const m = defaultNetMode(mode);
  if (m === 'bridge' || m === 'none' || m === 'host') return { kind: m };
  if (m.startsWith('container:') && m.length > 'container:'.length) {
    return { kind: 'container', target: m.slice('container:'.length) };
  }
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

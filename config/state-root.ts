import os from 'node:os';
import path from 'node:path';

/**
 * Where state lives when CONTAINER_SAGA_ROOT is unset: Docker's place (/var/lib/container-saga) as root, else
 * the user's XDG state directory (`$XDG_STATE_HOME/container-saga`, `~/.local/state/container-saga` when
 * XDG_STATE_HOME is unset, empty or relative).
 */
export function defaultStateRootFor(xdgStateHome: string | undefined, isRoot = process.getuid?.() === 0): string {
  if (isRoot) return '/var/lib/container-saga';
  // The XDG spec says to ignore a relative XDG_STATE_HOME.
  const base = xdgStateHome && path.isAbsolute(xdgStateHome) ? xdgStateHome : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'container-saga');
}

import os from 'node:os';
import path from 'node:path';

/**
 * Where state lives by default: Docker's place (/var/lib/container-saga) when root, else the user's XDG
 * state directory (`$XDG_STATE_HOME/container-saga`, `~/.local/state/container-saga` when unset).
 */
export function defaultStateRoot(): string {
  if (process.getuid?.() === 0) return '/var/lib/container-saga';
  // The XDG spec says to ignore a relative XDG_STATE_HOME.
  const xdg = process.env.XDG_STATE_HOME;
  const base = xdg && path.isAbsolute(xdg) ? xdg : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'container-saga');
}

/** The state root in use: CONTAINER_SAGA_ROOT (made absolute) when set, else defaultStateRoot(). */
export function stateRoot(): string {
  const fromEnv = process.env.CONTAINER_SAGA_ROOT;
  return fromEnv ? path.resolve(fromEnv) : defaultStateRoot();
}

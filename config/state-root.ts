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
  const base =
    xdgStateHome && path.isAbsolute(xdgStateHome) ? xdgStateHome : path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'container-saga');
}

/**
 * Where the Docker Engine API listens when CONTAINER_SAGA_API_SOCKET is unset: beside Docker's own socket as
 * root (/run/container-saga/docker.sock), else in the user's runtime directory (`$XDG_RUNTIME_DIR`, or the
 * a per-user directory under the temp directory when it is unset or relative).
 */
export function defaultApiSocketFor(xdgRuntimeDir: string | undefined, isRoot = process.getuid?.() === 0): string {
  if (isRoot) return '/run/container-saga/docker.sock';
  const base =
    xdgRuntimeDir && path.isAbsolute(xdgRuntimeDir)
      ? xdgRuntimeDir
      : path.join(os.tmpdir(), `container-saga-${process.getuid?.() ?? 'user'}`);
  return path.join(base, 'container-saga', 'docker.sock');
}

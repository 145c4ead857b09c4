import os from 'node:os';
import path from 'node:path';

/** Where state lives by default: Docker's place when root, the user's state dir otherwise. */
export function defaultStateRoot(): string {
  if (process.getuid?.() === 0) return '/var/lib/container-saga';
  const base = process.env.XDG_STATE_HOME || path.join(os.homedir(), '.local', 'state');
  return path.join(base, 'container-saga');
}

/** CONTAINER_SAGA_ROOT, else the default. */
export function stateRoot(): string {
  return process.env.CONTAINER_SAGA_ROOT || defaultStateRoot();
}

import { envValue, getConfig } from '../config';
import { defaultStateRootFor } from '../config/state-root';

/**
 * Where state lives by default: Docker's place (/var/lib/container-saga) when root, else the user's XDG
 * state directory (`$XDG_STATE_HOME/container-saga`, `~/.local/state/container-saga` when unset).
 */
export function defaultStateRoot(): string {
  return defaultStateRootFor(envValue('XDG_STATE_HOME'));
}

/** The state root in use: CONTAINER_SAGA_ROOT (made absolute) when set, else defaultStateRoot(). */
export function stateRoot(): string {
  return getConfig().root;
}

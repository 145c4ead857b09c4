import { ContainerError } from '../common/errors';
import { parseLink } from '../common/env';
import { logBound } from '../common/log-config';
import { findContainer, VALID_NAME } from '../common/lookup';
import { parseIpcMode, parseNetMode } from '../common/net-mode';
import type { HostInfo } from '../common/settings';
import { verifyHostConfig } from '../common/settings';
import { adaptResources } from '../common/resources';
import {
  defaultHostConfig,
  initialState,
  NO_NETWORK,
  type ContainerRecord,
  type CreateRequest,
  type HostConfig,
} from '../common/types';
import type { ImageRunConfig } from '../common/image-config';
import { mergeImageConfig } from '../common/merge-config';
import { parseSignal } from '../common/signals';
import { checkHealthConfig } from '../common/health';
import { checkPortBindings } from '../common/ports';
import { newContainerId, randomName } from './names';
import { bareName } from '../common/names';

/**
 * Docker's create checks, in two halves around the image check (the driver's): first the request alone
 * against the host, returning its full hostConfig; then the new record (state "created") against the records
 * there are. Both throw with Docker's message before anything is written: bad input leaves nothing half-done.
 */
export function checkCreateRequest(req: CreateRequest, host: HostInfo, warnings: string[] = []): HostConfig {
  if (!req.image) throw new ContainerError('InvalidParameter', 'No image was specified');
  if (req.workingDir && !req.workingDir.startsWith('/')) {
    throw new ContainerError(
      'InvalidParameter',
      `the working directory '${req.workingDir}' is invalid, it needs to be an absolute path`,
    );
  }
  checkHealthConfig(req.healthcheck);
  const hostConfig: HostConfig = { ...defaultHostConfig(), ...req.hostConfig };
  warnings.push(...verifyHostConfig(hostConfig, host)); // Docker's create answers with these (Warnings)
  adaptResources(hostConfig, host);
  logBound(hostConfig.LogConfig); // Docker checks the log options at create
  checkPublishing(hostConfig, req.exposedPorts ?? [], warnings);
  return hostConfig;
}

/**
 * -p/-P/--expose against the network mode as Docker's runconfig checks them (container:X refuses them, host
 * keeps them with a warning and publishes nothing), PortBindings as the daemon checks them (keys normalized).
 */
function checkPublishing(hostConfig: HostConfig, exposed: readonly string[], warnings: string[]): void {
  const bindings = hostConfig.PortBindings ?? {};
  const publishes = Object.keys(bindings).length > 0 || hostConfig.PublishAllPorts === true;
  const mode = parseNetMode(hostConfig.NetworkMode)?.kind;
  if (mode === 'container' && publishes)
    throw new ContainerError(
      'InvalidParameter',
      'conflicting options: port publishing and the container type network mode',
    );
  if (mode === 'container' && exposed.length > 0)
    throw new ContainerError(
      'InvalidParameter',
      'conflicting options: port exposing and the container type network mode',
    );
  if (mode === 'host' && Object.keys(bindings).length > 0)
    warnings.push('Published ports are discarded when using host network mode');
  if (Object.keys(bindings).length === 0) {
    delete hostConfig.PortBindings;
    return;
  }
  try {
    hostConfig.PortBindings = checkPortBindings(bindings);
  } catch (err) {
    throw new ContainerError('InvalidParameter', (err as Error).message);
  }
  const sctp = Object.keys(hostConfig.PortBindings).find((k) => k.endsWith('/sctp'));
  if (sctp) throw new ContainerError('InvalidParameter', `container-saga does not publish sctp ports (${sctp})`);
}

/**
 * The record of a new container: the create merged with its image's config (`image`: absent for the simulated
 * driver's name-only images), Docker's "No command specified" (400) when neither has a command.
 */
export function newContainerRecord(
  req: CreateRequest,
  hostConfig: HostConfig,
  existing: readonly ContainerRecord[],
  image?: ImageRunConfig,
): ContainerRecord {
  const { Path, Args, ...merged } = mergeImageConfig(req, image);
  // published ports are exposed too (Docker's CLI adds them; a bare API create gets the same)
  for (const key of Object.keys(hostConfig.PortBindings ?? {})) merged.ExposedPorts[key] = {};
  // Docker's verifyContainerSettings: the stop signal must be one it knows
  if (merged.StopSignal) parseSignal(merged.StopSignal);
  const id = newContainerId();
  const name = nameFor(req.name, existing);
  checkLinks(hostConfig.Links, existing);
  checkPeers(hostConfig, existing);
  return {
    Id: id,
    Name: `/${name}`,
    Created: new Date().toISOString(),
    Path,
    Args,
    Config: {
      Image: req.image,
      ...merged,
      Hostname: req.hostname ?? id.slice(0, 12),
      ...(req.domainname ? { Domainname: req.domainname } : {}),
      Tty: req.tty ?? false,
      ...(req.stopTimeout !== undefined ? { StopTimeout: req.stopTimeout } : {}),
      ...(req.openStdin ? { OpenStdin: true } : {}),
      ...(req.openStdin && req.stdinOnce ? { StdinOnce: true } : {}),
    },
    HostConfig: hostConfig,
    State: initialState(),
    NetworkSettings: { ...NO_NETWORK },
    HasBeenStartedBefore: false,
    RestartCount: 0,
  };
}

/** The requested name (valid, not taken), or a free random one. */
function nameFor(requested: string | undefined, existing: readonly ContainerRecord[]): string {
  const taken = (n: string) => existing.find((c) => c.Name === `/${n}`);
  if (requested === undefined) {
    let name: string;
    do name = randomName();
    while (taken(name));
    return name;
  }
  if (!VALID_NAME.test(requested)) {
    throw new ContainerError(
      'InvalidParameter',
      `Invalid container name (${requested}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
    );
  }
  const name = bareName(requested);
  const other = taken(name);
  if (other) {
    throw new ContainerError(
      'Conflict',
      `Conflict. The container name "/${name}" is already in use by container "${other.Id}". You have to remove (or rename) that container to be able to reuse that name.`,
    );
  }
  return name;
}

/**
 * `--network container:X` and `--ipc container:X` name an existing container. Docker itself only finds out at
 * start (moby#49371); refusing at create keeps a container that can never start from being made at all.
 * Whether X runs is the start's question (runtime/steps/peers.ts): it may be started first.
 */
function checkPeers(hostConfig: HostConfig, existing: readonly ContainerRecord[]): void {
  const peers = [
    ['network', parseNetMode(hostConfig.NetworkMode)],
    ['ipc', parseIpcMode(hostConfig.IpcMode)],
  ] as const;
  for (const [what, mode] of peers) {
    if (mode?.kind !== 'container' || mode.target === undefined) continue;
    try {
      findContainer(existing, mode.target);
    } catch (err) {
      if (err instanceof ContainerError && err.type === 'NoSuchContainer') {
        throw new ContainerError(
          'InvalidParameter',
          `could not get container for --${what} container:${mode.target}: ${err.message}`,
        );
      }
      throw err;
    }
  }
}

/**
 * Each --link names an existing container (daemon.GetContainer: full ID, name or unique ID prefix) not on the host
 * network.
 */
function checkLinks(links: readonly string[], existing: readonly ContainerRecord[]): void {
  for (const link of links) {
    const target = parseLink(link);
    let child: ContainerRecord;
    try {
      child = findContainer(existing, target.name);
    } catch (err) {
      if (err instanceof ContainerError && err.type === 'NoSuchContainer') {
        throw new ContainerError('InvalidParameter', `could not get container for ${target.name}: ${err.message}`);
      }
      throw err;
    }
    if (parseNetMode(child.HostConfig.NetworkMode)?.kind === 'host') {
      throw new ContainerError(
        'InvalidParameter',
        "conflicting options: host type networking can't be used with links. This would result in undefined behavior",
      );
    }
  }
}

import type { DockerCli } from './docker-cli';
import { BRIDGE_IP } from './dockerd';
import { measureInteractive, type InteractiveEngine, type InteractiveResult } from './interactive';
import { measureNet, type NetEngine, type NetResult } from './net';
import type { Unmeasured } from './report';
import type { Teardown } from './teardown';

/**
 * The sections that drive the docker CLI against both engines after the rounds (networking, interactive): each on
 * the engines there are; a section's failure is reported in its place, not thrown.
 */
export interface CliEngines {
  dockerCli?: DockerCli;
  /** dockerd's netns, where its published ports are reached */
  dockerdNetns?: string;
  apiCli?: DockerCli;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

async function reported<T>(teardown: Teardown, section: string, f: () => Promise<T>): Promise<T | Unmeasured> {
  try {
    return await f();
  } catch (err) {
    if (teardown.stopping) throw err;
    console.error(`bench: the ${section} section failed: ${err instanceof Error ? err.stack : String(err)}`);
    return { measured: false, reason: `failed: ${message(err)}` };
  }
}

const NO_ENGINES: Unmeasured = { measured: false, reason: 'neither dockerd nor the docker CLI on our API' };

export function benchNet(teardown: Teardown, o: CliEngines, image: string): Promise<NetResult | Unmeasured> {
  const engines: NetEngine[] = [];
  if (o.dockerCli && o.dockerdNetns)
    engines.push({
      name: 'dockerd',
      cli: o.dockerCli,
      reach: { netns: o.dockerdNetns, address: BRIDGE_IP.split('/')[0]! },
    });
  if (o.apiCli) engines.push({ name: 'container-saga API', cli: o.apiCli, reach: { address: '127.0.0.1' } });
  if (engines.length === 0) return Promise.resolve(NO_ENGINES);
  return reported(teardown, 'network', () => measureNet({ teardown, image, engines }));
}

export function benchInteractive(
  teardown: Teardown,
  o: CliEngines,
  image: string,
): Promise<InteractiveResult | Unmeasured> {
  const engines: InteractiveEngine[] = [];
  if (o.dockerCli) engines.push({ name: 'dockerd', cli: o.dockerCli });
  if (o.apiCli) engines.push({ name: 'container-saga API', cli: o.apiCli });
  if (engines.length === 0) return Promise.resolve(NO_ENGINES);
  return reported(teardown, 'interactive', () => measureInteractive({ teardown, image, engines }));
}

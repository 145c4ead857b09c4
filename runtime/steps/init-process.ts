import { promises as fs } from 'node:fs';
import { ContainerError } from '../../common/errors';
import { INIT_PATH } from '../../common/init-process';
import type { HostConfig } from '../../common/types';
import type { VolumeMount } from '../driver';

/** The init given: Debian's static tini (package tini). */
export const INIT_BINARY = '/usr/bin/tini-static';

/**
 * --init as Docker does it (daemon/oci_linux.go WithCommonOptions): the init bound read-only at
 * /sbin/docker-init and the process becoming `docker-init -- <entrypoint> <cmd>`, so PID 1 reaps zombies and
 * forwards signals. Static, so it runs in any rootfs. The simulated driver runs nothing: its spec gets the same.
 */
export async function withInit(
  hc: HostConfig,
  args: string[],
  volumes: VolumeMount[],
  checkBinary: boolean,
): Promise<{ args: string[]; volumes: VolumeMount[] }> {
  if (!hc.Init) return { args, volumes };
  if (
    checkBinary &&
    !(await fs.stat(INIT_BINARY).then(
      (s) => s.isFile(),
      () => false,
    ))
  )
    throw new ContainerError('StartFailed', `docker-init binary not found: ${INIT_BINARY} (Debian's tini package)`, {
      retryable: false,
    });
  const init: VolumeMount = { kind: 'bind', source: INIT_BINARY, destination: INIT_PATH, readonly: true };
  return { args: [INIT_PATH, '--', ...args], volumes: [...volumes, init] };
}

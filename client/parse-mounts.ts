import path from 'node:path';
import { parseBindMode, parseMountFlag, type MountSpec } from '../common/mount-spec';
import type { CreateRequest, HostConfig } from '../common/types';

/** The mount flags of `create`/`run`: -v, --mount, --volumes-from. */
export interface MountFlags {
  volume: string[];
  mount?: string[];
  volumesFrom?: string[];
}

/** The flag error of the docker CLI (parse-create.ts `bad`). */
type Bad = (value: string, flag: string, why: string) => never;

/**
 * The docker CLI's way: `-v SRC:DST[:MODE]` is a bind (Binds), `-v /path` alone a Config.Volumes path (an
 * anonymous volume), `--mount` parsed here into HostConfig.Mounts (cli/opts/mount.go), `--volumes-from` sent as
 * given (the daemon checks it).
 */
export function mountFlags(
  flags: MountFlags,
  bad: Bad,
): { hostConfig: Partial<HostConfig>; request: Pick<CreateRequest, 'volumes'> } {
  const binds: string[] = [];
  const volumes: string[] = [];
  for (const v of flags.volume) {
    const parts = v.split(':');
    if (parts.length === 1 && v !== '') {
      if (!v.startsWith('/')) bad(v, '-v, --volume', `invalid mount path: '${v}' mount path must be absolute`);
      volumes.push(v);
      continue;
    }
    if (parts.length < 2 || parts.length > 3 || parts[0] === '' || parts[1] === '')
      bad(v, '-v, --volume', `invalid volume specification: '${v}'`);
    if (!parts[1]!.startsWith('/'))
      bad(v, '-v, --volume', `invalid mount path: '${parts[1]}' mount path must be absolute`);
    // (nocopy on a bind is the daemon's refusal: the create check says it with Docker's message)
    if (parts[2] !== undefined && !parseBindMode(parts[2], true)) bad(v, '-v, --volume', `invalid mode: ${parts[2]}`);
    binds.push(v);
  }
  const mounts: MountSpec[] = (flags.mount ?? []).map((m) => {
    let spec: MountSpec;
    try {
      spec = parseMountFlag(m);
    } catch (err) {
      return bad(m, '--mount', (err as Error).message);
    }
    // the docker CLI's: a source starting with '.' is a path from here
    return spec.Source?.startsWith('.') ? { ...spec, Source: path.resolve(spec.Source) } : spec;
  });
  const from = flags.volumesFrom ?? [];
  return {
    hostConfig: {
      ...(binds.length ? { Binds: binds } : {}),
      ...(mounts.length ? { Mounts: mounts } : {}),
      ...(from.length ? { VolumesFrom: from } : {}),
    },
    request: volumes.length ? { volumes } : {},
  };
}

import { DEFAULT_PATH_ENV } from './env';
import { ContainerError } from './errors';
import type { HealthConfig, ImageRunConfig } from './image-config';

/** What a create says of the process, before the image's config fills in the rest. */
export interface CreateRunConfig {
  /** absent or empty: not given */
  cmd?: readonly string[];
  /** absent: the image's; `[]` or `[""]`: none (Docker's `--entrypoint ""` sends `[""]`) */
  entrypoint?: readonly string[];
  env?: readonly string[];
  workingDir?: string;
  user?: string;
  stopSignal?: string;
  healthcheck?: HealthConfig;
  /** "80/tcp" */
  exposedPorts?: readonly string[];
  labels?: Readonly<Record<string, string>>;
  /** Config.Volumes' paths the create gives (`-v /data`) */
  volumes?: readonly string[];
}

/** The merged config, as the record keeps it (Docker's container.Config fields) with the process's Path and Args. */
export interface MergedRunConfig {
  Path: string;
  Args: string[];
  Entrypoint: string[] | null;
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  StopSignal?: string;
  Healthcheck?: HealthConfig;
  ExposedPorts: Record<string, Record<string, never>>;
  Labels: Record<string, string>;
  Volumes: Record<string, Record<string, never>> | null;
}

const keyOf = (e: string) => e.split('=', 1)[0]!;

/**
 * Docker's mergeAndVerifyConfig (daemon/commit.go merge, then the `[""]` reset and the command check) and the
 * container's Path/Args (getEntrypointAndArgs). A create Entrypoint without Cmd drops the image's Cmd; an
 * Env key the create sets drops the image's (the create's come first, as Docker lists them); PATH gets
 * Docker's default when neither has one. No command at all is Docker's 400 "No command specified".
 */
export function mergeImageConfig(req: CreateRunConfig, image: ImageRunConfig | undefined = {}): MergedRunConfig {
  let entrypoint: string[] | null = req.entrypoint ? [...req.entrypoint] : null;
  let cmd = [...(req.cmd ?? [])];
  if (!entrypoint?.length) {
    if (cmd.length === 0) cmd = [...(image.Cmd ?? [])];
    if (entrypoint === null) entrypoint = image.Entrypoint?.length ? [...image.Entrypoint] : null;
  }
  if (entrypoint?.length === 1 && entrypoint[0] === '') entrypoint = null;
  if (!entrypoint?.length && cmd.length === 0) throw new ContainerError('InvalidParameter', 'No command specified');
  const argv = entrypoint?.length ? [...entrypoint, ...cmd] : cmd;

  const userEnv = [...(req.env ?? [])];
  const env = [...userEnv, ...(image.Env ?? []).filter((e) => !userEnv.some((u) => keyOf(u) === keyOf(e)))];
  if (!env.some((e) => keyOf(e) === 'PATH')) env.push(DEFAULT_PATH_ENV);

  const exposed: Record<string, Record<string, never>> = { ...(image.ExposedPorts ?? {}) };
  for (const p of req.exposedPorts ?? []) exposed[p.includes('/') ? p : `${p}/tcp`] = {};

  const stopSignal = req.stopSignal || image.StopSignal;
  const healthcheck = mergeHealthcheck(req.healthcheck, image.Healthcheck);
  // Docker's merge: the image's volume paths and the create's
  const all = { ...(image.Volumes ?? {}), ...Object.fromEntries((req.volumes ?? []).map((v) => [v, {}])) };
  const volumes = Object.keys(all).length > 0 ? all : null;
  return {
    Path: argv[0]!,
    Args: argv.slice(1),
    Entrypoint: entrypoint?.length ? entrypoint : null,
    Cmd: cmd,
    Env: env,
    WorkingDir: req.workingDir || image.WorkingDir || '',
    User: req.user || image.User || '',
    ...(stopSignal ? { StopSignal: stopSignal } : {}),
    ...(healthcheck ? { Healthcheck: healthcheck } : {}),
    ExposedPorts: exposed,
    Labels: { ...(image.Labels ?? {}), ...(req.labels ?? {}) },
    Volumes: volumes,
  };
}

/** merge's Healthcheck: the create's, each unset field from the image's (an empty Test takes the image's). */
function mergeHealthcheck(mine: HealthConfig | undefined, image: HealthConfig | undefined): HealthConfig | undefined {
  if (!image) return mine;
  if (!mine) return { ...image };
  const out: HealthConfig = { ...mine };
  if (!out.Test?.length && image.Test) out.Test = image.Test;
  for (const k of ['Interval', 'Timeout', 'StartPeriod', 'StartInterval', 'Retries'] as const)
    if (!out[k] && image[k] !== undefined) out[k] = image[k];
  return out;
}

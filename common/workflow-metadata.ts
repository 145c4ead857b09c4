import type { SearchAttributePair } from '@temporalio/common';
import { containerAttributes } from './search-attributes';
import type { ContainerRecord, CreateRequest } from './types';
import { bareName } from './names';

/**
 * What the Web UI shows of a workflow that changes a container, set where it is started: a one-line static
 * summary that reads like a dashboard ("start web · busybox sleep 3600"), static details in Markdown
 * (container, image, command, key options) and the search attributes that find it (ContainerId,
 * ContainerName, Image). Summary and details are payloads (user metadata): the codec encrypts them like the
 * inputs (test/unit/summary-secrets.test.ts); the search attributes are always plain text. None carries
 * environment values or labels (either may hold secrets), only what `docker ps` shows, the command included.
 */
export interface WorkflowMetadata {
  staticSummary: string;
  staticDetails: string;
  typedSearchAttributes: SearchAttributePair[];
}

/** The Web UI shows one line; longer summaries are cut (with an ellipsis) here rather than by the server. */
const SUMMARY_MAX = 160;
/** Details are for a glance, not a dump: a huge command is cut. */
const VALUE_MAX = 400;

/** The container a verb acts on, as inspect reports it (only the fields the metadata reads). */
export type ContainerView = Pick<ContainerRecord, 'Id' | 'Name' | 'Path' | 'Args' | 'Config' | 'HostConfig'>;

/** A detail line: a label and its value, shown as inline code; absent values are left out. */
export type DetailLine = readonly [label: string, value: string | undefined];

export function nameOf(c: Pick<ContainerRecord, 'Name'>): string {
  return bareName(c.Name);
}

/** `sleep 3600` from Path and Args, as `docker ps` shows COMMAND. */
export function commandOf(c: Pick<ContainerRecord, 'Path' | 'Args'>): string {
  return [c.Path, ...c.Args].filter((p) => p !== '').join(' ');
}

function cut(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

/** "verb target · what", one line. */
export function summaryOf(verb: string, target?: string, what?: string): string {
  const head = target ? `${verb} ${target}` : verb;
  return cut((what ? `${head} · ${what}` : head).replace(/\s+/g, ' '), SUMMARY_MAX);
}

/** Markdown inline code that survives backticks in the value (CommonMark: a longer fence, padded). */
function code(value: string): string {
  const v = cut(value.replace(/\s+/g, ' '), VALUE_MAX);
  const longestRun = Math.max(0, ...(v.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longestRun + 1);
  return longestRun === 0 ? `${fence}${v}${fence}` : `${fence} ${v} ${fence}`;
}

/** A bold title and one bullet per present line. */
export function detailsOf(title: string, lines: readonly DetailLine[]): string {
  const bullets = lines
    .filter((l): l is readonly [string, string] => l[1] !== undefined && l[1] !== '')
    .map(([k, v]) => `- **${k}**: ${code(v)}`);
  return [`**${title}**`, '', ...bullets].join('\n');
}

function restartPolicyOf(c: ContainerView): string | undefined {
  const p = c.HostConfig.RestartPolicy;
  if (!p || p.Name === '' || p.Name === 'no') return undefined;
  return p.Name === 'on-failure' && p.MaximumRetryCount > 0 ? `on-failure:${p.MaximumRetryCount}` : p.Name;
}

function mountsOf(hc: Partial<ContainerRecord['HostConfig']>): string | undefined {
  const parts = [...(hc.Binds ?? []), ...Object.keys(hc.Tmpfs ?? {}).map((dst) => `tmpfs ${dst}`)];
  return parts.length > 0 ? parts.join(', ') : undefined;
}

/** Environment variables are counted, never shown: their values are often secrets. */
function envCount(env: readonly string[] | undefined): string | undefined {
  return env && env.length > 0 ? `${env.length} (values not shown)` : undefined;
}

/** The lines every container's details start with. */
export function containerLines(c: ContainerView): DetailLine[] {
  return [
    ['container', c.Id],
    ['name', nameOf(c)],
    ['image', c.Config.Image],
    ['command', commandOf(c)],
    ['network', c.HostConfig.NetworkMode || 'bridge'],
    ['restart policy', restartPolicyOf(c)],
    ['mounts', mountsOf(c.HostConfig)],
    ['working dir', c.Config.WorkingDir || undefined],
    ['environment variables', envCount(c.Config.Env)],
  ];
}

/**
 * The metadata of a verb on an existing container: `what` follows the name in the summary, `extra` lines
 * follow the container's in the details.
 */
export function containerVerbMetadata(
  verb: string,
  c: ContainerView,
  what?: string,
  extra: readonly DetailLine[] = [],
): WorkflowMetadata {
  return {
    staticSummary: summaryOf(verb, nameOf(c), what),
    staticDetails: detailsOf(`${verb} ${nameOf(c)}`, [...extra, ...containerLines(c)]),
    typedSearchAttributes: containerAttributes({ id: c.Id, name: nameOf(c), image: c.Config.Image }),
  };
}

/** start: "start web · busybox sleep 3600". */
export function startMetadata(c: ContainerView): WorkflowMetadata {
  return containerVerbMetadata('start', c, [c.Config.Image, commandOf(c)].filter(Boolean).join(' '));
}

/** create: the container has no ID yet (the workflow makes it); its name only when one was asked for. */
export function createMetadata(request: CreateRequest): WorkflowMetadata {
  const command = (request.cmd ?? []).join(' ');
  const hc = request.hostConfig ?? {};
  const policy =
    hc.RestartPolicy && hc.RestartPolicy.Name !== 'no' && hc.RestartPolicy.Name !== ''
      ? hc.RestartPolicy.Name
      : undefined;
  return {
    staticSummary: summaryOf('create', request.name, [request.image, command].filter(Boolean).join(' ')),
    staticDetails: detailsOf(`create ${request.name ?? '(unnamed)'}`, [
      ['name', request.name],
      ['image', request.image],
      ['command', command || undefined],
      ['network', hc.NetworkMode || undefined],
      ['restart policy', policy],
      ['mounts', mountsOf(hc)],
      ['working dir', request.workingDir],
      ['environment variables', envCount(request.env)],
    ]),
    typedSearchAttributes: containerAttributes({ name: request.name, image: request.image }),
  };
}

/** A verb on no container (gc, image import): summary and details only, the image when there is one. */
export function plainMetadata(
  verb: string,
  target: string | undefined,
  lines: readonly DetailLine[],
  image?: string,
): WorkflowMetadata {
  return {
    staticSummary: summaryOf(verb, target),
    staticDetails: detailsOf(target ? `${verb} ${target}` : verb, lines),
    typedSearchAttributes: containerAttributes({ image }),
  };
}

import type { ContainerEvent } from '../common/types';

/**
 * Our recorded events in Docker's event format (api/types/events.Message), and Docker's event filters
 * (daemon/events/filter.go) over them.
 */

export interface DockerEvent {
  status?: string;
  id?: string;
  from?: string;
  Type: string;
  Action: string;
  Actor: { ID: string; Attributes: Record<string, string> };
  scope: 'local';
  time: number;
  timeNano: number;
}

/** Attributes of ours that Docker does not put in its events (the exec's command goes into the Action). */
const NOT_DOCKERS = new Set(['command', 'pid', 'healthStatus']);

/**
 * One recorded event as Docker sends it. Exec events carry their command in the Action, as Docker's
 * (`exec_create: ls -l`); `commands` remembers the commands met (by exec ID) for the exec_start after them.
 */
export function toDockerEvent(e: ContainerEvent, commands: Map<string, string> = new Map()): DockerEvent {
  const ms = Date.parse(e.time);
  const attributes: Record<string, string> = { ...e.labels };
  for (const [k, v] of Object.entries(e.attributes ?? {})) if (!NOT_DOCKERS.has(k)) attributes[k] = v;
  const image = e.image ?? e.attributes?.image ?? '';
  if (e.type === 'container') attributes.image = image;
  attributes.name = e.name;
  let action: string = e.action;
  const execId = e.attributes?.execID;
  if (execId && e.action === 'exec_create' && e.attributes?.command !== undefined)
    commands.set(execId, e.attributes.command);
  if (execId && (e.action === 'exec_create' || e.action === 'exec_start')) {
    const command = commands.get(execId);
    if (command !== undefined) action = `${e.action}: ${command}`;
  }
  if (execId && e.action === 'exec_die') commands.delete(execId);
  if (e.action === 'health_status' && e.attributes?.healthStatus)
    action = `health_status: ${e.attributes.healthStatus}`;
  return {
    // the fields of Docker's older format, kept for containers and images
    ...(e.type === 'container' ? { status: action, id: e.id, from: image } : { status: action, id: e.id }),
    Type: e.type,
    Action: action,
    Actor: { ID: e.id, Attributes: attributes },
    scope: 'local',
    time: Math.floor(ms / 1000),
    timeNano: ms * 1e6,
  };
}

/** The filters Docker's events endpoint takes (other names are a 400). */
export const EVENT_FILTERS = [
  'config',
  'container',
  'daemon',
  'event',
  'image',
  'label',
  'network',
  'node',
  'plugin',
  'scope',
  'secret',
  'service',
  'type',
  'volume',
] as const;

/** Docker's filter semantics: every name given must match; within a name, any value. */
export class EventFilter {
  constructor(private readonly filters: Map<string, string[]>) {}

  /** FuzzyMatch: true without the name; else a value that is a prefix of `source` */
  private fuzzy(name: string, source: string): boolean {
    const values = this.filters.get(name);
    return values === undefined || values.some((v) => source.startsWith(v));
  }

  /** ExactMatch: true without the name; else a value equal to `source` */
  private exact(name: string, source: string): boolean {
    const values = this.filters.get(name);
    return values === undefined || values.includes(source);
  }

  /** an event of `type` by its actor's ID or name (container, network, volume…) */
  private byName(ev: DockerEvent, type: string): boolean {
    return this.fuzzy(type, ev.Actor.ID) || this.fuzzy(type, ev.Actor.Attributes.name ?? '');
  }

  private event(ev: DockerEvent): boolean {
    const values = this.filters.get('event');
    if (values === undefined) return true;
    // exec_create and exec_start carry their command after a colon: Docker matches those by prefix
    if (values.some((v) => v === 'exec_create' || v === 'exec_start' || v === 'health_status'))
      return this.fuzzy('event', ev.Action);
    return values.includes(ev.Action);
  }

  private image(ev: DockerEvent): boolean {
    if (!this.filters.has('image')) return true;
    const name = ev.Actor.Attributes[ev.Type === 'image' ? 'name' : 'image'] ?? '';
    const stripTag = (ref: string) => ref.replace(/(@.*|:[^/:]*)$/, '');
    return [ev.Actor.ID, name, stripTag(ev.Actor.ID), stripTag(name)].some((v) => this.exact('image', v));
  }

  /** label=KEY or label=KEY=VALUE: every one must be among the attributes */
  private labels(ev: DockerEvent): boolean {
    const values = this.filters.get('label');
    if (values === undefined) return true;
    return values.every((v) => {
      const eq = v.indexOf('=');
      if (eq < 0) return Object.hasOwn(ev.Actor.Attributes, v);
      return ev.Actor.Attributes[v.slice(0, eq)] === v.slice(eq + 1);
    });
  }

  includes(ev: DockerEvent): boolean {
    return (
      this.event(ev) &&
      this.exact('type', ev.Type) &&
      this.exact('scope', ev.scope) &&
      this.byName(ev, 'container') &&
      this.image(ev) &&
      this.labels(ev) &&
      ['daemon', 'plugin', 'volume', 'network', 'node', 'service', 'secret', 'config'].every((type) =>
        this.byName(ev, type),
      )
    );
  }
}

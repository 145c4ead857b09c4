import type { ContainerRecord, ContainerStatus } from '../../common/types';
import { badRequest, filtersParam, intParam, boolParam } from '../http';
import { bareName } from '../../common/names';
import { healthFilter } from './health-filter';

/**
 * GET /containers/json's query → which records to list, as Docker's daemon picks them: running ones unless
 * `all`, a `limit` (the newest N, stopped ones included) and `filters`:
 *   name, id   Docker's regular-expression match (`web` matches "web" and "myweb"; `^web$` only "web");
 *   status     the state (created, restarting, running, removing, paused, exited, dead); exited or created
 *              lists stopped containers without `all`, as Docker does;
 *   label      `key` (present) or `key=value`;
 *   exited     the exit code of a container that does not run;
 *   ancestor   the image name;
 *   health     starting, healthy, unhealthy, or none (no healthcheck).
 * Values of one filter are alternatives; filters all apply. Any other filter name is Docker's 400.
 */
export const CONTAINER_FILTERS = ['name', 'id', 'status', 'label', 'exited', 'ancestor', 'health'] as const;

const STATES: readonly ContainerStatus[] = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

export interface ListQuery {
  all: boolean;
  limit?: number;
  keep(rec: ContainerRecord): boolean;
}

/** Docker's Args.Match: an exact value, or a regular expression that matches somewhere (a bad one matches nothing). */
export function matches(values: readonly string[], source: string): boolean {
  return values.some((v) => {
    if (v === source) return true;
    try {
      return new RegExp(v).test(source);
    } catch {
      return false;
    }
  });
}

export function listQuery(q: URLSearchParams): ListQuery {
  const filters = filtersParam(q, CONTAINER_FILTERS);
  const limit = intParam(q, 'limit');
  boolParam(q, 'size'); // accepted: sizes are not computed (SizeRw is left out)
  const status = filters.get('status') ?? [];
  for (const s of status)
    if (!(STATES as readonly string[]).includes(s)) throw badRequest(`invalid filter 'status=${s}'`);
  const health = healthFilter(filters.get('health'));
  const exited = filters.get('exited') ?? [];
  for (const e of exited) if (!/^-?\d+$/.test(e)) throw badRequest(`invalid filter 'exited=${e}'`);
  const all =
    boolParam(q, 'all') || (limit !== undefined && limit > 0) || status.some((s) => s === 'exited' || s === 'created');
  const name = filters.get('name');
  const id = filters.get('id');
  const labels = filters.get('label');
  const ancestor = filters.get('ancestor');
  return {
    all,
    ...(limit !== undefined && limit > 0 ? { limit } : {}),
    keep: (rec) => {
      if (name && !matches(name, rec.Name) && !matches(name, bareName(rec.Name))) return false;
      if (id && !matches(id, rec.Id)) return false;
      if (status.length > 0 && !status.includes(rec.State.Status)) return false;
      if (health && !health.includes(rec.State.Health?.Status ?? 'none')) return false;
      if (exited.length > 0 && (rec.State.Running || !exited.some((e) => Number(e) === rec.State.ExitCode)))
        return false;
      if (ancestor && !ancestor.some((a) => a === rec.Config.Image || a === `${rec.Config.Image}:latest`)) return false;
      if (labels) {
        const have = rec.Config.Labels ?? {};
        for (const l of labels) {
          const eq = l.indexOf('=');
          if (eq < 0 ? !Object.hasOwn(have, l) : have[l.slice(0, eq)] !== l.slice(eq + 1)) return false;
        }
      }
      return true;
    },
  };
}

/** The records to list, newest first (Docker's order). */
export function selectContainers(records: readonly ContainerRecord[], query: ListQuery): ContainerRecord[] {
  const shown = [...records]
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created))
    .filter((r) => query.all || r.State.Running || r.State.Restarting || r.State.Paused)
    .filter((r) => query.keep(r));
  return query.limit !== undefined ? shown.slice(0, query.limit) : shown;
}

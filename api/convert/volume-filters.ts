import type { VolumeCreateInput, VolumeFilters, VolumePruneInput } from '../../common/volumes-api';
import { badRequest, filtersParam } from '../http';
import { compareVersions } from '../router';

/** Docker's boolean filter values; anything else is its 400. */
function boolFilter(name: string, values: string[] | undefined): boolean | undefined {
  if (!values?.length) return undefined;
  const v = values[values.length - 1]!.toLowerCase();
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw badRequest(`invalid filter '${name}=${values.join(',')}'`);
}

/** The filters `GET /volumes` takes (Docker's volume ls filters); a bad one is Docker's 400. */
export function listFilters(q: URLSearchParams): VolumeFilters {
  const f = filtersParam(q, ['name', 'label', 'dangling', 'driver']);
  const out: VolumeFilters = {};
  for (const k of ['name', 'label', 'driver'] as const) if (f.get(k)?.length) out[k] = f.get(k);
  const dangling = boolFilter('dangling', f.get('dangling'));
  if (dangling !== undefined) out.dangling = dangling;
  return out;
}

/**
 * The filters `POST /volumes/prune` takes: label, label!, and all (the docker CLI's `--all`). From API 1.42
 * Docker prunes only anonymous volumes unless all=true; a client speaking an older version gets all=true, the
 * behaviour it was written for (moby's volume router does the same).
 */
export function pruneFilters(q: URLSearchParams, version: string): VolumePruneInput {
  const f = filtersParam(q, ['label', 'label!', 'all']);
  const all = boolFilter('all', f.get('all')) ?? compareVersions(version, '1.42') < 0;
  const input: VolumePruneInput = { all };
  if (f.get('label')?.length) input.labels = f.get('label');
  if (f.get('label!')?.length) input.labelsNot = f.get('label!');
  return input;
}

function stringMap(v: unknown, field: string): Record<string, string> | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string'))
    throw badRequest(`invalid JSON: ${field} must be an object of strings`);
  return v as Record<string, string>;
}

function optString(v: unknown, field: string): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw badRequest(`invalid JSON: ${field} must be a string`);
  return v;
}

/** The body of `POST /volumes/create` (Docker's VolumeCreateOptions) as the workflow's input. */
export function createBody(body: Record<string, unknown>): VolumeCreateInput {
  const input: VolumeCreateInput = {};
  const name = optString(body.Name, 'Name');
  const driver = optString(body.Driver, 'Driver');
  const labels = stringMap(body.Labels, 'Labels');
  const options = stringMap(body.DriverOpts, 'DriverOpts');
  if (name) input.name = name;
  if (driver) input.driver = driver;
  if (labels) input.labels = labels;
  if (options && Object.keys(options).length) input.options = options;
  return input;
}

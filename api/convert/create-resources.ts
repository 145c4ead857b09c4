import type { HostConfig, Ulimit } from '../../common/types';
import { badRequest } from '../http';
import { checkFields, type FieldRule } from './create-schema';
import { isPlainObject, optBool, optInt, optObject, optString } from './json-value';

const ULIMIT_FIELDS: Readonly<Record<string, FieldRule>> = { Name: 'convert', Soft: 'convert', Hard: 'convert' };

/**
 * HostConfig's MemorySwap, Ulimits, OomScoreAdj and CgroupnsMode, each only when set (the docker CLI sends
 * 0, null and "" for flags not given). Their values are checked by the create workflow (common/resources.ts).
 */
export function resourceFields(hc: Record<string, unknown>): Partial<HostConfig> {
  const out: Partial<HostConfig> = {};
  const swap = optInt(hc.MemorySwap, 'HostConfig.MemorySwap');
  if (swap) out.MemorySwap = swap;
  const ulimits = ulimitList(hc.Ulimits);
  if (ulimits.length > 0) out.Ulimits = ulimits;
  const oom = optInt(hc.OomScoreAdj, 'HostConfig.OomScoreAdj');
  if (oom) out.OomScoreAdj = oom;
  if (optBool(hc.OomKillDisable, 'HostConfig.OomKillDisable')) out.OomKillDisable = true;
  const ns = optString(hc.CgroupnsMode, 'HostConfig.CgroupnsMode');
  if (ns) {
    if (ns !== 'host' && ns !== 'private') throw badRequest(`invalid cgroup namespace mode: ${ns}`);
    out.CgroupnsMode = ns;
  }
  return out;
}

function ulimitList(v: unknown): Ulimit[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badRequest('invalid HostConfig.Ulimits: want an array');
  return v.map((u, i) => {
    const path = `HostConfig.Ulimits[${i}]`;
    if (!isPlainObject(u)) throw badRequest(`invalid ${path}: want an object`);
    checkFields(optObject(u, path)!, ULIMIT_FIELDS, `${path}.`);
    return {
      Name: optString(u.Name, `${path}.Name`) ?? '',
      Soft: optInt(u.Soft, `${path}.Soft`) ?? 0,
      Hard: optInt(u.Hard, `${path}.Hard`) ?? 0,
    };
  });
}

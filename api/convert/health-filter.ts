import { badRequest } from '../http';

const HEALTH_VALUES = ['starting', 'healthy', 'unhealthy', 'none'];

/** ps's `health` filter values as Docker checks them (container.IsValidHealthString); undefined without the filter. */
export function healthFilter(values: string[] | undefined): string[] | undefined {
  for (const v of values ?? [])
    if (!HEALTH_VALUES.includes(v)) throw badRequest(`Unrecognised filter value for health: ${v}`);
  return values;
}

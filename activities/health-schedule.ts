import { hasHealthcheck, healthSchedule, probeCommand } from '../common/health';
import type { ContainerRun } from '../common/monitor-api';
import type { ContainerRecord } from '../common/types';

/**
 * The probe schedule a run is handed to its monitor with: only for a healthcheck that can run (a Test kind
 * Docker does not know leaves the container "starting", unprobed, as Docker's getProbe does).
 */
export function healthOf(rec: ContainerRecord): Pick<ContainerRun, 'healthcheck'> {
  const hc = rec.Config.Healthcheck;
  if (!hasHealthcheck(hc) || !probeCommand(hc.Test)) return {};
  return { healthcheck: healthSchedule(hc) };
}

/**
 * The patched() IDs of workflow changes made since the baseline (docs/design.md, "Versioning"): each named for
 * the behaviour it adds, with a line saying what it changes; `deprecatePatch` a release after it lands, deleted
 * the release after that.
 */
export const Patches = {
  /** a create the placed host refuses for a network it lacks asks the other hosts, for a 400 naming where it is */
  createNetworkElsewhere: 'create-network-elsewhere',
  /** the monitor probes a run with a healthcheck on durable timers while it waits for the run's exit */
  monitorRunsHealthchecks: 'monitor-runs-healthchecks',
} as const satisfies Record<string, string>;

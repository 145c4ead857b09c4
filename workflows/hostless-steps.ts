/** The start's steps that touch no host resource, as the record and the CLI name them. */
export const hostlessSteps = {
  lookup: 'lookup',
  checkState: 'check-state',
  hostConfig: 'host-config',
  verifySettings: 'verify-settings',
  claim: 'claim',
  defaultNetMode: 'default-net-mode',
  links: 'links',
  daemonEnv: 'daemon-env',
  markRunning: 'mark-running',
} as const;

/**
 * The patched() IDs of workflow changes made since the baseline (docs/design.md, "Versioning"): each named for
 * the behaviour it adds, with a line saying what it changes; `deprecatePatch` a release after it lands, deleted
 * the release after that. None yet: this release is the baseline.
 */
export const Patches = {} as const satisfies Record<string, string>;

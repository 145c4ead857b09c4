/**
 * Local activities lose their results when their workflow task fails (docs/design.md, "Lost local-activity
 * results"); only the start saga settles such losses by its host's record. These tests hold the workflows to
 * that: a workflow that gains a local activity with side effects fails here until the design says how it
 * settles what it lost.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const WORKFLOWS = path.resolve(__dirname, '../../workflows');

async function sources(): Promise<Map<string, string>> {
  const files = (await fs.readdir(WORKFLOWS)).filter((f) => f.endsWith('.ts'));
  return new Map(
    await Promise.all(files.map(async (f) => [f, await fs.readFile(path.join(WORKFLOWS, f), 'utf8')] as const)),
  );
}

/** The workflow files that import `names` from `module` (by name, or the whole module). */
function importers(all: Map<string, string>, module: string, names: readonly string[]): string[] {
  const from = new RegExp(`import\\s*(?:type\\s*)?\\{([^}]*)\\}\\s*from\\s*'\\./${module}'`);
  return [...all]
    .filter(([, text]) => {
      const m = from.exec(text);
      return m !== null && names.some((n) => new RegExp(`\\b${n}\\b`).test(m[1]!.replace(/\btype\s+\w+/g, '')));
    })
    .map(([f]) => f)
    .sort();
}

describe('local activities in workflows', () => {
  it("are made in two files only: the start saga's proxies and the first look of host routing", async () => {
    const all = await sources();
    expect(
      [...all]
        .filter(([, text]) => text.includes('proxyLocalActivities'))
        .map(([f]) => f)
        .sort(),
    ).toEqual(['host-routing.ts', 'start-activities.ts']);
  });

  it("with side effects (the start's host steps, claim, mark-running, failure path) serve the start saga alone", async () => {
    const all = await sources();
    expect(importers(all, 'start-activities', ['startActivities', 'acquireActivity', 'releaseActivity'])).toEqual([
      'compensate.ts',
      'container-start.ts',
    ]);
    expect(importers(all, 'host-routing', ['claimHere'])).toEqual(['container-start.ts']);
  });

  it('elsewhere only look (locateHere): a lost look has nothing to settle', async () => {
    const routing = (await sources()).get('host-routing.ts')!;
    const localCalls = [...routing.matchAll(/(?:proxyLocalActivities<Activities>\(.*\)|here\(ref\))\.(\w+)\(/g)].map(
      (m) => m[1],
    );
    expect([...new Set(localCalls)].sort()).toEqual(['claimHere', 'locateHere']);
  });
});

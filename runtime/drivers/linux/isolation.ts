import type { BridgeRule } from '../../driver';
import { netnsPath } from '../layout';
import { runChecked } from './exec';
import { tool } from './tools';

/**
 * Docker's network isolation (its DOCKER-ISOLATION chains), inside the project's host-side netns where every
 * bridge lives: nothing is forwarded from one bridge network to another, and an internal network's traffic
 * never leaves its bridge. One nftables table of the project's, replaced whole in one transaction.
 */
export const ISOLATION_TABLE = 'container_saga_isolation';

/**
 * The table's ruleset (pure): per bridge, what comes in from it may leave only through itself or, unless the
 * network is internal, towards anything but another bridge.
 */
export function isolationRuleset(rules: readonly BridgeRule[]): string {
  const q = (s: string) => `"${s}"`;
  const lines = [
    `table inet ${ISOLATION_TABLE}`,
    `delete table inet ${ISOLATION_TABLE}`,
    `table inet ${ISOLATION_TABLE} {`,
    '  chain forward {',
    '    type filter hook forward priority filter; policy accept;',
  ];
  for (const r of rules) {
    const others = rules.filter((o) => o.bridge !== r.bridge).map((o) => q(o.bridge));
    if (r.internal) {
      lines.push(`    iifname ${q(r.bridge)} oifname != ${q(r.bridge)} drop`);
      lines.push(`    oifname ${q(r.bridge)} iifname != ${q(r.bridge)} drop`);
    } else if (others.length > 0) {
      lines.push(`    iifname ${q(r.bridge)} oifname { ${others.join(', ')} } drop`);
    }
  }
  lines.push('  }', '}');
  return `${lines.join('\n')}\n`;
}

const applied = new Map<string, string>();

/** Makes the namespace's isolation table these rules (skipped when this process applied the same already). */
export async function ensureIsolation(hostNetns: string, rules: readonly BridgeRule[], force = false): Promise<void> {
  const ruleset = isolationRuleset([...rules].sort((a, b) => a.bridge.localeCompare(b.bridge)));
  if (!force && applied.get(hostNetns) === ruleset) return;
  await runChecked(
    `isolate the networks in ${hostNetns}`,
    tool('nsenter'),
    [`--net=${netnsPath(hostNetns)}`, tool('nft'), '-f', '-'],
    {
      input: ruleset,
    },
  );
  applied.set(hostNetns, ruleset);
}

/** Forgets what was applied to a namespace that was deleted (a new one of the name starts empty). */
export function forgetIsolation(hostNetns: string): void {
  applied.delete(hostNetns);
}

import Table from 'cli-table3';
import pc from 'picocolors';
import type { ContainerRecord } from '../common/types';

/** Colours only on a terminal: scripts reading stdout get plain text. */
const tty = Boolean(process.stdout.isTTY) && !process.env.NO_COLOR;
export const color = {
  ok: (s: string) => (tty ? pc.green(s) : s),
  undo: (s: string) => (tty ? pc.yellow(s) : s),
  err: (s: string) => (tty ? pc.red(s) : s),
  dim: (s: string) => (tty ? pc.dim(s) : s),
};

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Docker's borderless table: column heads, then rows, aligned with at least three spaces. */
export function printTable(head: string[], rows: string[][]): void {
  const table = new Table({
    head,
    chars: { top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '', left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '   ' },
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  process.stdout.write(`${table.toString().split('\n').map((l) => l.trimEnd()).join('\n')}\n`);
}

/** "5 seconds ago", "2 minutes ago", as Docker's go-units HumanDuration. */
export function ago(iso: string, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 1) return 'Less than a second';
  if (s === 1) return '1 second';
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return 'About a minute';
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return 'About an hour';
  if (h < 48) return `${h} hours`;
  return `${Math.round(h / 24)} days`;
}

/** The STATUS column of docker ps. */
export function statusText(c: ContainerRecord, now = Date.now()): string {
  const st = c.State;
  if (st.Running) return `Up ${humanDuration(now - Date.parse(st.StartedAt))}`;
  if (st.Dead) return 'Dead';
  if (st.RemovalInProgress) return 'Removal In Progress';
  if (st.Status === 'exited' || (st.FinishedAt && !st.FinishedAt.startsWith('0001'))) {
    return `Exited (${st.ExitCode}) ${ago(st.FinishedAt, now)}`;
  }
  return 'Created';
}

import type TableType from 'cli-table3';
import pc from 'picocolors';
import type { ContainerEvent, ContainerRecord, ContainerState } from '../common/types';
import { getConfig } from '../config';
import { bareName } from '../common/names';
import { displayPorts, runningPorts, summaryPorts } from '../common/ports';

/** Colours only on a terminal (and not with NO_COLOR): scripts reading the output get plain text. */
export function colors(stream: NodeJS.WriteStream = process.stderr) {
  const on = Boolean(stream.isTTY) && !getConfig().noColor;
  const c = (f: (s: string) => string) => (s: string) => (on ? f(s) : s);
  return { ok: c(pc.green), undo: c(pc.yellow), err: c(pc.red), dim: c(pc.dim), bold: c(pc.bold) };
}

/** Colours for stdout. */
export const color = colors(process.stdout);

/** Writes to stdout, waiting while the reader is behind (a log of many MB never piles up in memory). */
export function writeOut(text: string): Promise<void> {
  return writeTo(process.stdout, text);
}

/** Writes to stdout or stderr (a container's stream), waiting while the reader is behind. */
export function writeTo(out: NodeJS.WritableStream, text: string): Promise<void> {
  return new Promise((resolve) => {
    if (out.write(text)) resolve();
    else out.once('drain', resolve);
  });
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

const NO_BORDERS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '   ',
};

/** Docker's borderless table: column heads, then rows, columns three spaces apart. */
export function formatTable(head: string[], rows: string[][]): string {
  // Required when a table is printed, not imported: every command loads this file, few print a table.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const Table = require('cli-table3') as typeof TableType;
  const table = new Table({
    head,
    chars: NO_BORDERS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
  });
  table.push(...rows);
  return `${table
    .toString()
    .split('\n')
    .map((l) => l.trimEnd())
    .join('\n')}\n`;
}

export function printTable(head: string[], rows: string[][]): void {
  process.stdout.write(formatTable(head, rows));
}

/** go-units HumanDuration, as Docker prints ages ("5 seconds", "About a minute", "3 hours", "2 weeks"). */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** "5 seconds ago" */
export function ago(iso: string, now = Date.now()): string {
  return `${humanDuration(now - Date.parse(iso))} ago`;
}

const isZeroTime = (iso: string) => iso === '' || iso.startsWith('0001-01-01');

/**
 * The STATUS column of docker ps: Docker's State.String(). A container whose start failed before it ever
 * ran is "Created" (its StartedAt is zero), as in Docker; "Exited (N) … ago" once it has run.
 */
export function statusText(st: ContainerState, now = Date.now()): string {
  // Docker counts a container waiting out its restart backoff as running; ours records no process for it.
  if (st.Restarting) return `Restarting (${st.ExitCode}) ${ago(st.FinishedAt, now)}`;
  if (st.Running) {
    if (st.Paused) return `Up ${humanDuration(now - Date.parse(st.StartedAt))} (Paused)`;
    return `Up ${humanDuration(now - Date.parse(st.StartedAt))}`;
  }
  if (st.RemovalInProgress) return 'Removal In Progress';
  if (st.Dead) return 'Dead';
  if (isZeroTime(st.StartedAt)) return 'Created';
  if (isZeroTime(st.FinishedAt)) return '';
  return `Exited (${st.ExitCode}) ${ago(st.FinishedAt, now)}`;
}

/** Docker's formatter.Ellipsis: at most `width` characters, the last one "…" when cut. */
export function ellipsis(s: string, width: number): string {
  const chars = [...s];
  return chars.length <= width ? s : `${chars.slice(0, width - 1).join('')}…`;
}

/**
 * The rows of docker ps, newest first (as Docker lists them), with the container's host (its record's
 * `Node.Name`) after Docker's columns, so what reads Docker's columns reads these.
 */
export function psRows(containers: ContainerRecord[], now = Date.now()): string[][] {
  return [...containers]
    .sort((a, b) => Date.parse(b.Created) - Date.parse(a.Created))
    .map((c) => [
      c.Id.slice(0, 12),
      c.Config.Image,
      JSON.stringify(ellipsis([c.Path, ...c.Args].filter((x) => x !== '').join(' '), 20)),
      ago(c.Created, now),
      statusText(c.State, now),
      displayPorts(summaryPorts(runningPorts(c))),
      bareName(c.Name),
      c.Node?.Name ?? '',
    ]);
}

export const PS_HEAD = ['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', 'HOST'];

/** docker events' line: `TIME TYPE ACTION ID (k=v, …)`, attributes sorted by key as Docker sorts them. */
export function eventLine(e: ContainerEvent): string {
  const attrs = { ...e.attributes, name: e.name };
  const text = Object.keys(attrs)
    .sort()
    .map((k) => `${k}=${attrs[k as keyof typeof attrs]}`)
    .join(', ');
  return `${e.time} ${e.type} ${e.action} ${e.id} (${text})`;
}

/** A byte count as Docker prints image sizes: three significant digits, decimal units ("4.26MB"). */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (Number(v.toPrecision(3)) >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

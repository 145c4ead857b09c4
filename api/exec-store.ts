import { randomBytes } from 'node:crypto';
import type { StartedExec } from '../client/verbs-api';

/**
 * The exec instances of POST /containers/{id}/exec, kept in the API server's memory from their creation
 * until a while after they ended, as Docker's daemon keeps its execCommands: like those, they do not
 * survive the server's restart (an exec that was started runs on, as its workflow, and its output stays
 * readable through the CLI's own exec; only its exec ID is forgotten here).
 */

export interface ExecInstance {
  readonly id: string;
  /** the container's full ID */
  readonly containerId: string;
  /** the container's name, for the workflow's summary */
  readonly containerName: string;
  readonly cmd: string[];
  readonly env?: string[];
  readonly workingDir?: string;
  /** -u user[:group] */
  readonly user?: string;
  readonly attachStdout: boolean;
  readonly attachStderr: boolean;
  /** its stdin is what the client writes (conmon --stdin) */
  readonly attachStdin: boolean;
  /** a pty (conmon --terminal) */
  readonly tty: boolean;
  /** DetachKeys as bytes (default ctrl-p,ctrl-q), and as the client gave them */
  readonly detachKeys: Buffer;
  readonly detachKeysText: string;
  /** ConsoleSize of the create body, [rows, cols] */
  readonly consoleSize?: [number, number];
  readonly createdAt: number;
  /** set as the start begins (a second start is a 409 from then on), then to the started workflow */
  start?: 'starting' | StartedExec;
  /** when its workflow ended, as this server saw it */
  endedAt?: number;
  /** the events cursor when it was created: its exec_start event (with its pid) comes after it */
  eventsCursor: number;
  pid?: number;
}

/** Execs that ended are forgotten after this (the worker keeps their output as long). */
const KEEP_ENDED_MS = 15 * 60_000;
/** Execs created and never started are forgotten after this. */
const KEEP_UNSTARTED_MS = 60 * 60_000;
/** At most this many are kept: the oldest that ended or never started go first. */
const MAX_KEPT = 1000;

export class ExecStore {
  private readonly execs = new Map<string, ExecInstance>();

  add(fields: Omit<ExecInstance, 'id' | 'createdAt'>, now = Date.now()): ExecInstance {
    this.prune(now);
    const exec: ExecInstance = { ...fields, id: randomBytes(32).toString('hex'), createdAt: now };
    this.execs.set(exec.id, exec);
    return exec;
  }

  /** By full ID, as Docker finds them. */
  get(id: string): ExecInstance | undefined {
    return this.execs.get(id);
  }

  get size(): number {
    return this.execs.size;
  }

  prune(now = Date.now()): void {
    const idle = (e: ExecInstance) =>
      e.endedAt !== undefined
        ? now - e.endedAt > KEEP_ENDED_MS
        : e.start === undefined && now - e.createdAt > KEEP_UNSTARTED_MS;
    for (const e of this.execs.values()) if (idle(e)) this.execs.delete(e.id);
    if (this.execs.size < MAX_KEPT) return;
    // Map order is insertion order: the oldest first.
    for (const e of this.execs.values()) {
      if (this.execs.size < MAX_KEPT) break;
      if (e.endedAt !== undefined || e.start === undefined) this.execs.delete(e.id);
    }
  }
}

/** One store per API (its context), shared by the servers on its socket and port. */
const stores = new WeakMap<object, ExecStore>();

export function execStoreOf(ctx: object): ExecStore {
  let store = stores.get(ctx);
  if (!store) stores.set(ctx, (store = new ExecStore()));
  return store;
}

/** Shared fixtures for the unit tests: no Temporal, no root. */
import { ApiError } from '../../api/http';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { ContainerError, ErrorStatus, type ErrorType } from '../../common/errors';
import { DEFAULT_CAPABILITIES } from '../../common/capabilities';
import { defaultHostConfig, initialState, type ContainerRecord } from '../../common/types';
import type { SpecInput } from '../../runtime/drivers/linux/spec';
import type { CreateFlags } from '../../client/parse-create';

export interface ExpectedError {
  type: ErrorType;
  /** exact message, or a pattern when only part of Docker's message is pinned */
  message: string | RegExp;
}

/** Runs fn and returns the ContainerError it throws; fails the test when it throws nothing or something else. */
export function thrown(fn: () => unknown): ContainerError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a ContainerError to be thrown').toBeInstanceOf(ContainerError);
  return caught as ContainerError;
}

export async function rejected(p: Promise<unknown>): Promise<ContainerError> {
  let caught: unknown;
  try {
    await p;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'expected a ContainerError rejection').toBeInstanceOf(ContainerError);
  return caught as ContainerError;
}

/** Type, Docker's HTTP status for it, and the message. */
export function expectError(err: ContainerError, want: ExpectedError): void {
  expect(err.type).toBe(want.type);
  expect(err.status).toBe(ErrorStatus[want.type]);
  if (typeof want.message === 'string') expect(err.message).toBe(want.message);
  else expect(err.message).toMatch(want.message);
}

/** A 64-hex ID starting with `prefix` (hex), padded with `fill`. */
export function hexId(prefix: string, fill = '0'): string {
  return (prefix + fill.repeat(64)).slice(0, 64);
}

export function record(
  over: { Id: string; Name: string; Created?: string } & Partial<ContainerRecord>,
): ContainerRecord {
  return {
    Created: '2024-01-01T00:00:00.000Z',
    Path: 'sh',
    Args: [],
    Config: {
      Image: 'busybox',
      Cmd: ['sh'],
      Env: [],
      WorkingDir: '',
      Hostname: over.Id.slice(0, 12),
      Tty: false,
      ExposedPorts: {},
      Labels: {},
    },
    HostConfig: defaultHostConfig(),
    State: initialState(),
    NetworkSettings: { IPAddress: '', IPPrefixLen: 0, Gateway: '', MacAddress: '', SandboxKey: '' },
    HasBeenStartedBefore: false,
    ...over,
  };
}

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(label: string): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `cs-unit-${label}-`));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/**
 * A fresh temp directory for each test of the file (made before it, removed after it); read `path` in a hook or test.
 */
export function tempDirEach(label: string): { readonly path: string } {
  let current: { dir: string; cleanup: () => Promise<void> } | undefined;
  beforeEach(async () => {
    current = await tempDir(label);
  });
  afterEach(async () => current?.cleanup());
  return {
    get path() {
      if (!current) throw new Error('tempDirEach: read outside a test');
      return current.dir;
    },
  };
}

/**
 * The Engine API's answer to a call that throws: Docker's status and message (fails when it does not throw an
 * ApiError).
 */
export function apiStatus(fn: () => unknown): [number, string] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return [err.status, err.message];
    throw err;
  }
  throw new Error('expected an ApiError');
}

/** A minimal buildSpec input (runtime/drivers/linux/spec.ts) for the spec's unit tests; `over` replaces fields. */
export function specInput(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'ab'.repeat(32),
    args: ['sh'],
    env: [],
    cwd: '',
    hostname: 'h',
    rootfs: '/r',
    readonlyRootfs: false,
    noNewPrivileges: false,
    capabilities: DEFAULT_CAPABILITIES,
    seccomp: undefined,
    privileged: false,
    devices: [],
    netnsPath: undefined,
    ipc: { kind: 'none' },
    etc: { hostname: '/b/h', hosts: '/b/hs', resolvConf: '/b/r' },
    volumes: [],
    memory: 0,
    nanoCpus: 0,
    pidsLimit: 0,
    cgroupsPath: '/cs/x',
    ...over,
  };
}

/** The create command's flags as commander gives them with none set; `over` sets some. */
export function createFlags(over: Partial<CreateFlags> = {}): CreateFlags {
  return {
    ...{ env: [], volume: [], tmpfs: [], securityOpt: [], capAdd: [], capDrop: [] },
    ...{ link: [], expose: [], label: [], logOpt: [] },
    ...over,
  };
}

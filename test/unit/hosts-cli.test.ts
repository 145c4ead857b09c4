/** The CLI's side of many hosts: `--host` and the host label, ps's HOST column, host ls's rows. No Temporal. */
import { describe, expect, it } from 'vitest';
import { createInput, HOST_LABEL } from '../../client/api';
import { HOST_HEAD, hostRows } from '../../client/commands/host';
import { CliError } from '../../client/errors';
import { PS_HEAD, psRows } from '../../client/output';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { ContainerError } from '../../common/errors';
import type { HostRow } from '../../common/hosts-api';
import { checkWorkflowInput } from '../../common/input-check';
import { hexId, record, createFlags } from './helpers';

const flags = createFlags;

/** parseCreate's usage error (exit 125, Docker's 400), or undefined when it accepts. */
function refusal(f: Partial<CreateFlags>): CliError | undefined {
  try {
    parseCreate(flags(f), 'busybox', ['true']);
    return undefined;
  } catch (err) {
    if (err instanceof CliError) return err;
    throw err;
  }
}

describe('create --host and the container-saga.host label', () => {
  it('pin the create: the workflow input carries the host; neither: placement decides', () => {
    const plain = parseCreate(flags({}), 'busybox', ['true']);
    expect(createInput(plain)).toEqual({ request: plain });
    expect(createInput(plain, 'node-1')).toEqual({ request: plain, host: 'node-1' });
    const labelled = parseCreate(flags({ label: [`${HOST_LABEL}=node-2`, 'tier=front'] }), 'busybox', ['true']);
    // the label stays on the container, as any label a client sends
    expect(labelled.labels).toEqual({ [HOST_LABEL]: 'node-2', tier: 'front' });
    expect(createInput(labelled)).toEqual({ request: labelled, host: 'node-2' });
    expect(createInput(labelled, 'node-2')).toEqual({ request: labelled, host: 'node-2' });
  });

  it('a malformed host name, or --host and the label naming two hosts, is refused before anything is sent (400, exit 125)', () => {
    expect(refusal({ host: 'node-1' })).toBeUndefined();
    for (const host of ['bad/name', '', '-x', '.x', 'a b', 'x'.repeat(64)]) {
      const err = refusal({ host });
      expect(err, host).toBeInstanceOf(CliError);
      expect([err!.status, err!.exitCode, err!.origin], host).toEqual([400, 125, 'usage']);
      expect(err!.message, host).toMatch(
        /^invalid input: host: invalid host name .*\. See 'container-saga create --help'\.$/,
      );
    }
    expect(refusal({ label: [`${HOST_LABEL}=bad/name`] })?.message).toMatch(
      /^invalid input: host: invalid host name "bad\/name"/,
    );
    const both = refusal({ host: 'a', label: [`${HOST_LABEL}=b`] });
    expect([both?.status, both?.exitCode, both?.message]).toEqual([
      400,
      125,
      `--host a and label ${HOST_LABEL}=b name different hosts. See 'container-saga create --help'.`,
    ]);
    expect(() => createInput(parseCreate(flags({ label: [`${HOST_LABEL}=b`] }), 'busybox', ['true']), 'a')).toThrow(
      ContainerError,
    );
  });

  it('events --host: the reads workflow checks the name as the create does (400)', () => {
    expect(() => checkWorkflowInput('containerEvents', { since: 0, host: 'node-1' })).not.toThrow();
    expect(() => checkWorkflowInput('containerEvents', { since: 0, host: 'bad/name' })).toThrow(
      /invalid input: host: invalid host name "bad\/name"/,
    );
    expect(() => checkWorkflowInput('imageImport', { name: 'busybox', source: 'busybox-static', host: 'a b' })).toThrow(
      /invalid host name/,
    );
  });
});

describe("ps: the HOST column comes last, after Docker's", () => {
  it("from the record's Node.Name; empty for a record without one", () => {
    expect(PS_HEAD).toEqual(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES', 'HOST']);
    const now = Date.parse('2026-12-01T12:00:00.000Z');
    const on = record({
      Id: hexId('aa'),
      Name: '/web',
      Created: '2026-12-01T11:59:00.000Z',
      Node: { ID: 'node-1', Name: 'node-1' },
    });
    const old = record({ Id: hexId('bb'), Name: '/db', Created: '2026-12-01T11:58:00.000Z' });
    expect(psRows([old, on], now)).toEqual([
      [hexId('aa').slice(0, 12), 'busybox', '"sh"', 'About a minute ago', 'Created', '', 'web', 'node-1'],
      [hexId('bb').slice(0, 12), 'busybox', '"sh"', '2 minutes ago', 'Created', '', 'db', ''],
    ]);
  });
});

describe('host ls', () => {
  it("live or down, active or drain, the host's own counts when it answered, the last poll as an age", () => {
    const now = Date.parse('2026-12-01T12:00:00.000Z');
    const hosts: HostRow[] = [
      {
        name: 'a',
        driver: 'linux',
        availability: 'active',
        registeredAt: '2026-12-01T10:00:00.000Z',
        live: true,
        lastSeen: '2026-12-01T11:59:55.000Z',
        status: { name: 'a', driver: 'linux', running: 2, containers: 5 },
      },
      {
        name: 'b',
        driver: 'simulated',
        availability: 'drain',
        registeredAt: '2026-12-01T10:00:00.000Z',
        live: false,
        lastSeen: '2026-12-01T11:50:00.000Z',
      },
      { name: 'c', driver: 'linux', availability: 'active', registeredAt: '2026-12-01T10:00:00.000Z', live: false },
    ];
    expect(HOST_HEAD).toEqual(['HOST', 'STATUS', 'AVAILABILITY', 'DRIVER', 'RUNNING', 'CONTAINERS', 'LAST SEEN']);
    expect(hostRows(hosts, now)).toEqual([
      ['a', 'live', 'active', 'linux', '2', '5', '5 seconds ago'],
      ['b', 'down', 'drain', 'simulated', '-', '-', '10 minutes ago'],
      ['c', 'down', 'active', 'linux', '-', '-', '-'],
    ]);
  });
});

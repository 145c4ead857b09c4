import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { toFailure } from '../../activities/to-failure';
import { CliError, describeError } from '../../client/errors';
import { parseCreate, type CreateFlags } from '../../client/parse-create';
import { ContainerError } from '../../common/errors';
import { checkWorkflowInput } from '../../common/input-check';
import { wellFormed } from '../../common/value-checks';
import { simulatedRuntime } from '../runtimes';

/** The counterexamples the fuzz targets found (shrunk), each kept as a plain test. */

const NO_FLAGS: CreateFlags = {
  env: [],
  volume: [],
  tmpfs: [],
  securityOpt: [],
  link: [],
  expose: [],
  label: [],
  logOpt: [],
  capAdd: [],
  capDrop: [],
};
const usage = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(125);
    return (err as CliError).message;
  }
  throw new Error('no usage error');
};
const refused = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ContainerError);
    expect((err as ContainerError).type).toBe('InvalidParameter');
    return (err as ContainerError).message;
  }
  throw new Error('not refused');
};

describe('hostile input regressions', () => {
  it('a lone surrogate in a reference is refused, and no failure message carries one (it failed the worker: "Cannot decode Completion")', () => {
    // workflow inputs: {"container": "\ud800"} made the activity's NoSuchContainer message unencodable
    const msg = refused(() => checkWorkflowInput('containerInspect', { container: '\ud800' }));
    expect(wellFormed(msg)).toBe(msg);
    const keyMsg = refused(() =>
      checkWorkflowInput('containerCreate', { request: { image: 'busybox', labels: { '\udc00': 'x' } } }),
    );
    expect(wellFormed(keyMsg)).toBe(keyMsg);
    const failure = toFailure(new ContainerError('NoSuchContainer', 'No such container: a\ud800b')) as Error;
    expect(failure.message).toBe('No such container: a\ufffdb');
    expect(wellFormed('💥 é')).toBe('💥 é');
  });

  it('null and wrong types are InvalidParameter, not a TypeError in workflow code (a stuck workflow)', () => {
    expect(refused(() => checkWorkflowInput('containerMonitor', null))).toBe(
      'invalid input: containerMonitor takes an object, got null',
    );
    expect(
      refused(() =>
        checkWorkflowInput('containerCreate', { request: { image: 'busybox', hostConfig: { Memory: '1g' } } }),
      ),
    ).toBe('invalid input: request.hostConfig.Memory: want an integer');
    expect(
      refused(() => checkWorkflowInput('containerExecOutput', { container: '../../../etc', execId: 'x' })),
    ).toMatch(/container: want a full container ID/);
  });

  it('create flags that overflow int64 are a usage error, not a number sent to the worker', () => {
    // shrunk: create --memory 99999999999999999999g busybox sh (sent Memory: 1.07e29 before)
    expect(usage(() => parseCreate({ ...NO_FLAGS, memory: '99999999999999999999g' }, 'busybox', ['sh']))).toMatch(
      /"99999999999999999999g" for "-m, --memory" flag: .*value out of range/,
    );
    expect(usage(() => parseCreate({ ...NO_FLAGS, pidsLimit: '99999999999999999999' }, 'busybox', ['sh']))).toMatch(
      /--pids-limit.*value out of range/,
    );
    expect(usage(() => parseCreate({ ...NO_FLAGS, cpus: '99999999999999999999' }, 'busybox', ['sh']))).toMatch(
      /--cpus.*value out of range/,
    );
    expect(
      usage(() => parseCreate({ ...NO_FLAGS, restart: 'on-failure:99999999999999999999' }, 'busybox', ['sh'])),
    ).toMatch(/--restart.*value out of range/);
  });

  it('"-0" is 0 (shrunk: create --pids-limit -0 0 sleep made a record that changed through JSON)', () => {
    expect(
      Object.is(parseCreate({ ...NO_FLAGS, pidsLimit: '-0' }, 'busybox', ['sleep']).hostConfig?.PidsLimit, 0),
    ).toBe(true);
  });

  it('an image reference Docker cannot parse is refused by the CLI (shrunk: create " " "")', () => {
    expect(usage(() => parseCreate(NO_FLAGS, ' ', ['']))).toMatch(/^invalid reference format: " "/);
    expect(usage(() => parseCreate(NO_FLAGS, '../x', ['sh']))).toMatch(/invalid reference format/);
  });

  it('an image name longer than 255 characters is refused before it becomes a directory (seed 945367857: ENAMETOOLONG, untyped)', () => {
    expect(refused(() => checkWorkflowInput('imageImport', { name: 'x'.repeat(36_821), source: '../..' }))).toBe(
      'invalid input: name: invalid reference format: repository name must not be more than 255 characters',
    );
    expect(() => checkWorkflowInput('imageImport', { name: 'x'.repeat(255), source: 'busybox-static' })).not.toThrow();
  });

  it('a flag value with a newline or an escape prints as one line, quoted as Go does (CI: create --ipc "\\n" spanned two lines)', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return describeError(e);
      }
      throw new Error('no error');
    };
    expect(err(() => parseCreate({ ...NO_FLAGS, ipc: '\n' }, 'busybox', ['sh']))).toEqual({
      line: 'container-saga: invalid argument "\\n" for "--ipc" flag: must be private, shareable, host, none or container:<name|id>. See \'container-saga create --help\'.',
      exitCode: 125,
    });
    expect(err(() => parseCreate({ ...NO_FLAGS, restart: 'x"\x1b[2J\\' }, 'busybox', ['sh'])).line).toBe(
      'container-saga: invalid argument "x\\"\\x1b[2J\\\\" for "--restart" flag: invalid restart policy x"\\x1b[2J\\. See \'container-saga create --help\'.',
    );
    expect(describeError(new CliError('No such container: a\tb\u2028c')).line).toBe(
      'Error response from daemon: No such container: a\\tb\\u2028c',
    );
  });

  it('the simulated driver lists an imported image whose name has a slash (seed 993195433: fz/img:1 imported, then missing from image ls)', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-fuzz-reg-'));
    try {
      const sim = simulatedRuntime(path.join(root, 'state'));
      for (const name of ['fz/img:1', 'busybox', 'busybox:latest']) await sim.importImage(name, 'busybox-static');
      // busybox and busybox:latest are one reference
      expect((await sim.listImages()).map((i) => i.name).sort()).toEqual(['busybox', 'fz/img:1']);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });

  it('the simulated driver imports no image whose name leaves images/', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-fuzz-reg-'));
    try {
      const sim = simulatedRuntime(path.join(root, 'state'));
      await expect(sim.importImage('../../escaped', 'busybox-static')).rejects.toMatchObject({
        type: 'InvalidParameter',
      });
      // only the state root (its image store made with the runtime), and no image in it
      expect(await fs.readdir(root)).toEqual(['state']);
      expect(await sim.listImages()).toEqual([]);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});

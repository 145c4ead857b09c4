import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spoolFile } from '../../client/container-archive';
import { changeLetter, containerAbsPath, goFileMode, isGoDir, isGoSymlink } from '../../common/archive-api';
import { applyChanges, splitWords } from '../../common/commit-changes';
import { upperChanges } from '../../runtime/archive/changes';
import { commitRunConfig } from '../../runtime/archive/commit';
import { hexId, record } from './helpers';
import { extractInto } from '../../runtime/archive/extract';
import { findInRoot, rfc3339Nano } from '../../runtime/archive/stat';

describe('the stat header', () => {
  it.each([
    [0o100644, 0o644],
    [0o040755, 2 ** 31 + 0o755],
    [0o120777, 2 ** 27 + 0o777],
    [0o041777, 2 ** 31 + 2 ** 20 + 0o777],
    [0o104755, 2 ** 23 + 0o755],
    [0o020666, 2 ** 26 + 2 ** 21 + 0o666],
    [0o010600, 2 ** 25 + 0o600],
  ])('st_mode %o is Go FileMode %d', (unix, go) => {
    expect(goFileMode(unix)).toBe(go);
  });
  it('dir and symlink bits read back', () => {
    expect([isGoDir(goFileMode(0o040755)), isGoSymlink(goFileMode(0o040755))]).toEqual([true, false]);
    expect([isGoDir(goFileMode(0o120777)), isGoSymlink(goFileMode(0o120777))]).toEqual([false, true]);
  });
  it.each([
    ['etc', '/etc'],
    ['/etc/../usr//bin', '/usr/bin'],
    ['/etc/', '/etc/'],
    ['/etc/.', '/etc/.'],
    ['/', '/'],
    ['.', '/.'],
    ['../../x', '/x'],
  ])("Docker's absPath of %s is %s", (p, abs) => {
    expect(containerAbsPath(p)).toBe(abs);
  });
  it('mtime is RFC 3339 with nanoseconds, trailing zeros dropped', () => {
    expect(rfc3339Nano(1_700_000_000_123_456_789n)).toBe('2023-11-14T22:13:20.123456789Z');
    expect(rfc3339Nano(1_700_000_000_500_000_000n)).toBe('2023-11-14T22:13:20.5Z');
    expect(rfc3339Nano(1_700_000_000_000_000_000n)).toBe('2023-11-14T22:13:20Z');
  });
});

describe('--change', () => {
  it.each([
    ['CMD ["a", "b"]', { Cmd: ['a', 'b'] }],
    ['CMD echo hi', { Cmd: ['/bin/sh', '-c', 'echo hi'] }],
    ['ENTRYPOINT ["/bin/x"]', { Entrypoint: ['/bin/x'] }],
    ['ENV A=1 B="two words"', { Env: ['PATH=/bin', 'A=1', 'B=two words'] }],
    ['ENV PATH /usr/bin', { Env: ['PATH=/usr/bin'] }],
    ['EXPOSE 80 53/udp', { ExposedPorts: { '80/tcp': {}, '53/udp': {} } }],
    ['LABEL a=b "c d"=e', { Labels: { a: 'b', 'c d': 'e' } }],
    ['USER nobody', { User: 'nobody' }],
    ['WORKDIR sub', { WorkingDir: '/app/sub' }],
    ['WORKDIR /data', { WorkingDir: '/data' }],
    ['VOLUME ["/v1", "/v2"]', { Volumes: { '/v1': {}, '/v2': {} } }],
    ['VOLUME /v3', { Volumes: { '/v3': {} } }],
    ['STOPSIGNAL SIGINT', { StopSignal: 'SIGINT' }],
    ['cmd ["lower"]', { Cmd: ['lower'] }],
  ])('%s', (line, want) => {
    expect(applyChanges({ Env: ['PATH=/bin'], WorkingDir: '/app' }, [line])).toMatchObject(want);
  });
  it.each([
    ['RUN true', 'run is not a valid change command'],
    ['FROM x', 'from is not a valid change command'],
    ['EXPOSE nope', 'invalid containerPort: nope'],
    ['USER a b', 'USER requires exactly one argument'],
    ['ENV =x', 'ENV names can not be blank'],
  ])('%s is refused: %s', (line, message) => {
    expect(() => applyChanges({}, [line])).toThrow(message);
  });
  it("commit's config: the container's, the body's fields over it, then the changes; a wrong type is a 400", () => {
    const rec = record({ Id: hexId('c'), Name: '/c' });
    rec.Config.Env = ['A=1'];
    const config = commitRunConfig(rec, {
      container: 'c',
      config: { Cmd: ['body'], Env: ['B=2'], Hostname: 'ignored' },
      changes: ['ENV C=3', 'EXPOSE 80'],
    });
    expect(config).toMatchObject({ Cmd: ['body'], Env: ['B=2', 'C=3'], ExposedPorts: { '80/tcp': {} } });
    expect(commitRunConfig(rec, { container: 'c' })).toMatchObject({ Cmd: ['sh'], Env: ['A=1'] });
    expect(() => commitRunConfig(rec, { container: 'c', config: { Cmd: 'not a list' } })).toThrow(
      'invalid config: Cmd has the wrong type',
    );
  });
  it('splits words with quotes and escapes', () => {
    expect(splitWords(`a "b c" 'd e' f\\ g ""`)).toEqual(['a', 'b c', 'd e', 'f g', '']);
  });
});

describe('paths, changes and extraction in a root (temp dirs)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-archive-unit-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('findInRoot: links on the way resolve inside the root, the last one is stat-ed as a link', async () => {
    const root = path.join(dir, 'root');
    await fs.mkdir(path.join(root, 'real'), { recursive: true });
    await fs.writeFile(path.join(root, 'real', 'f'), 'x');
    await fs.symlink('/real', path.join(root, 'abs'));
    await fs.symlink('../../../../real/f', path.join(root, 'up'));
    const viaLink = await findInRoot(root, '/abs/f');
    expect(viaLink?.host).toBe(path.join(root, 'real', 'f'));
    expect(viaLink?.stat).toMatchObject({ name: 'f', size: 1, linkTarget: '' });
    const link = await findInRoot(root, '/up');
    expect(link?.stat).toMatchObject({ name: 'up', linkTarget: '/real/f' });
    expect(isGoSymlink(link!.stat.mode)).toBe(true);
    expect((await findInRoot(root, '/'))?.stat.name).toBe('/');
    expect(await findInRoot(root, '/nope/f')).toBeUndefined();
    expect(await findInRoot(root, '/real/f/x')).toBeUndefined();
  });

  it('upperChanges: kinds 0/1/2 in walk order, whiteouts, opaque dirs, unchanged dirs and init paths left out', async () => {
    const lower = path.join(dir, 'lower');
    const upper = path.join(dir, 'upper');
    for (const d of ['etc', 'same', 'opq', 'usr']) await fs.mkdir(path.join(lower, d), { recursive: true });
    await fs.writeFile(path.join(lower, 'etc', 'passwd'), 'root');
    await fs.writeFile(path.join(lower, 'etc', 'group'), 'root');
    await fs.writeFile(path.join(lower, 'opq', 'old'), 'old');
    for (const d of ['etc', 'same', 'opq', 'new/deep', 'proc'])
      await fs.mkdir(path.join(upper, d), { recursive: true });
    await fs.writeFile(path.join(upper, 'etc', 'passwd'), 'root2');
    await fs.writeFile(path.join(upper, 'etc', 'hosts'), '');
    await fs.writeFile(path.join(upper, 'new', 'deep', 'f'), 'f');
    await fs.writeFile(path.join(upper, 'opq', 'fresh'), 'f');
    execFileSync('mknod', [path.join(upper, 'etc', 'group'), 'c', '0', '0']);
    const setOpaque = "import os, sys; os.setxattr(sys.argv[1], 'trusted.overlay.opaque', b'y')";
    execFileSync('python3', ['-c', setOpaque, path.join(upper, 'opq')]);
    // same mode, size and time as below: no change
    for (const d of [lower, upper]) await fs.utimes(path.join(d, 'same'), 1_700_000_000, 1_700_000_000);
    const changes = await upperChanges(upper, [lower]);
    expect(changes.map((c) => `${changeLetter(c.Kind)} ${c.Path}`)).toEqual([
      'C /etc',
      'D /etc/group',
      'C /etc/passwd',
      'A /new',
      'A /new/deep',
      'A /new/deep/f',
      'D /opq',
      'A /opq/fresh',
    ]);
  });

  it('extractInto: a non-directory over a directory is refused before anything is written; owners for cp -a', async () => {
    const root = path.join(dir, 'root');
    const src = path.join(dir, 'src');
    await fs.mkdir(path.join(root, 'dest', 'd'), { recursive: true });
    await fs.mkdir(src);
    await fs.writeFile(path.join(src, 'a'), 'a');
    await fs.writeFile(path.join(src, 'd'), 'file');
    const tar = path.join(dir, 'in.tar');
    execFileSync('tar', ['-C', src, '-cf', tar, 'a', 'd']);
    const dest = path.join(root, 'dest');
    await expect(extractInto({ root, dest, file: tar, noOverwriteDirNonDir: true })).rejects.toThrow(
      'cannot overwrite directory "/dest/d" with non-directory "/dest"',
    );
    expect(await fs.readdir(dest)).toEqual(['d']);
    const ok = path.join(dir, 'ok.tar');
    execFileSync('tar', ['-C', src, '-cf', ok, 'a']);
    await extractInto({ root, dest, file: ok, noOverwriteDirNonDir: true, owner: { uid: 1234, gid: 5678 } });
    const st = await fs.stat(path.join(dest, 'a'));
    expect([await fs.readFile(path.join(dest, 'a'), 'utf8'), st.uid, st.gid]).toEqual(['a', 1234, 5678]);
    const bad = path.join(dir, 'bad.tar');
    await fs.writeFile(bad, 'not a tar at all'.repeat(64));
    await expect(extractInto({ root, dest, file: bad, noOverwriteDirNonDir: true })).rejects.toMatchObject({
      type: 'InvalidParameter',
    });
  });

  it("spoolFile: a new name with this process's pid; the files of a process gone are removed, others kept", async () => {
    const spool = path.join(dir, 'archive-spool');
    await fs.mkdir(spool);
    const names = ['get-999999999-ab.tar', `put-${process.pid}-cd.tar`, 'save-0123456789abcdef.tar'];
    for (const n of names) await fs.writeFile(path.join(spool, n), '');
    const file = await spoolFile(dir, 'export');
    expect(path.dirname(file)).toBe(spool);
    expect(path.basename(file)).toMatch(new RegExp(`^export-${process.pid}-[0-9a-f]{16}\\.tar$`));
    expect((await fs.readdir(spool)).sort()).toEqual(names.slice(1).sort());
  });
});

import { execFileSync } from 'node:child_process';
import { LayerBreakoutError } from './errors';

/** Work Node's fs cannot do (mknod, setxattr), queued and run in one helper process per layer. */
export type SpecialOp =
  | {
      op: 'mknod';
      path: string;
      kind: 'char' | 'block' | 'fifo';
      major: number;
      minor: number;
      mode: number;
      uid: number;
      gid: number;
      mtime: number;
      chown: boolean;
    }
  | { op: 'xattr'; path: string; name: string; value: Buffer };

// Re-checks every parent with lstat first: an entry after the queued one may have replaced a parent by a
// symlink, and mknod/setxattr on a path follow it.
const SCRIPT = `
import json, os, stat, sys, base64
req = json.load(sys.stdin)
root = req['root']
def check(p):
    rel = os.path.relpath(os.path.dirname(p), root)
    cur = root
    for c in ([] if rel == '.' else rel.split('/')):
        cur = os.path.join(cur, c)
        if not stat.S_ISDIR(os.lstat(cur).st_mode):
            sys.exit('path component is not a directory: ' + cur)
for o in req['ops']:
    p = o['path']
    check(p)
    if o['op'] == 'mknod':
        t = {'char': stat.S_IFCHR, 'block': stat.S_IFBLK, 'fifo': stat.S_IFIFO}[o['kind']]
        os.mknod(p, t | 0o600, os.makedev(o['major'], o['minor']))
        if o['chown']:
            os.lchown(p, o['uid'], o['gid'])
        os.chmod(p, o['mode'])
        os.utime(p, (o['mtime'], o['mtime']), follow_symlinks=False)
    else:
        os.setxattr(p, o['name'], base64.b64decode(o['value']), follow_symlinks=False)
`;

/** Runs the queued ops under root (paths absolute, inside root). */
export function runSpecialOps(root: string, ops: SpecialOp[]): void {
  if (ops.length === 0) return;
  const input = JSON.stringify({
    root,
    ops: ops.map((o) => (o.op === 'xattr' ? { ...o, value: o.value.toString('base64') } : o)),
  });
  try {
    execFileSync('python3', ['-I', '-c', SCRIPT], { input, stdio: ['pipe', 'ignore', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: Buffer }).stderr ?? '').trim();
    if (stderr.startsWith('path component'))
      throw new LayerBreakoutError(`${stderr} (outside of ${JSON.stringify(root)})`);
    throw new Error(`layer special files: ${stderr || (e as Error).message}`);
  }
}

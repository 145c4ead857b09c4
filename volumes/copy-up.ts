import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ContainerError } from '../common/errors';

/** An image's unpacked layers as overlayfs reads them (layers/apply.ts 'overlay' mode), top first. */
export interface ImageContent {
  layers: readonly string[];
  /** CONTAINER_SAGA_USERNS_REMAP: owners shifted by the container root's host IDs, as its rootfs layers are */
  shift?: { uid: number; gid: number };
}

/**
 * Docker's copy-up (container.CopyImagePathContent): an empty volume mounted at `target` gets what the image has
 * there, owners, modes, times and links kept, with the volume's own directory taking the owner and mode of the
 * image's. Nothing when the volume has anything in it or the image has no directory there; no volume directory:
 * only the check that the image has no file there (Docker's 400, as for a volume that copies). Read from the layers
 * (whiteouts and opaque directories honoured, links in the path resolved inside the image), so both drivers do
 * it alike at create, with no rootfs mounted. Python, as layers/special.ts: Node has no mknod, lchown of devices
 * or getxattr (the opaque mark).
 */
export async function copyImageContent(
  image: ImageContent,
  target: string,
  volumeDir: string | undefined,
): Promise<void> {
  if (!image.layers.length) return;
  let found: string;
  try {
    const shift = [String(image.shift?.uid ?? 0), String(image.shift?.gid ?? 0)];
    const args = ['-I', '-c', SCRIPT, volumeDir ?? '', target, ...shift, ...image.layers];
    found = (await promisify(execFile)('python3', args, { maxBuffer: 1 << 20 })).stdout;
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? '').trim();
    throw new ContainerError(
      'StartFailed',
      `copying the image's content at ${target} into its volume: ${stderr || (err as Error).message}`,
    );
  }
  // Docker's refusal at create; runc would fail at every start instead
  if (found.trim() === 'file')
    throw new ContainerError('InvalidParameter', `cannot mount volume over existing file, file exists ${target}`);
}

const SCRIPT = String.raw`
import os, shutil, stat, sys
dest, target, layers = sys.argv[1], sys.argv[2], sys.argv[5:]
uid_shift, gid_shift = int(sys.argv[3]), int(sys.argv[4])

def whiteout(st):
    return stat.S_ISCHR(st.st_mode) and st.st_rdev == 0

def opaque(p):
    try:
        return os.getxattr(p, 'trusted.overlay.opaque', follow_symlinks=False) == b'y'
    except OSError:
        return False

def entry(dirs, name):
    """The topmost layer's entry 'name' below the merged directory 'dirs': (kind, paths below it, lstat)."""
    found = []
    for d in dirs:
        p = os.path.join(d, name)
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        if whiteout(st):
            break
        if not stat.S_ISDIR(st.st_mode):
            if not found:
                return ('link' if stat.S_ISLNK(st.st_mode) else 'other', [p], st)
            break
        found.append(p)
        if opaque(p):
            break
    if not found:
        return (None, [], None)
    return ('dir', found, os.lstat(found[0]))

def resolve(path, depth=0):
    """The merged directory at 'path', links resolved inside the image (FollowSymlinkInScope)."""
    if depth > 40:
        return None
    dirs, parts = list(layers), [c for c in path.split('/') if c not in ('', '.')]
    done = []
    for i, c in enumerate(parts):
        if c == '..':
            return resolve('/'.join(done[:-1] + parts[i + 1:]), depth + 1)
        kind, paths, _ = entry(dirs, c)
        if kind == 'link':
            link = os.readlink(paths[0])
            base = [] if link.startswith('/') else done
            return resolve('/'.join(base + [link] + parts[i + 1:]), depth + 1)
        if kind != 'dir':
            return 'file' if kind is not None and i == len(parts) - 1 else None
        dirs, done = paths, done + [c]
    return dirs

def own(p, st):
    try:
        os.lchown(p, st.st_uid + uid_shift, st.st_gid + gid_shift)
    except OSError:
        pass
    if not stat.S_ISLNK(st.st_mode):
        os.chmod(p, stat.S_IMODE(st.st_mode))
        os.utime(p, ns=(st.st_atime_ns, st.st_mtime_ns))

def copy(dirs, to):
    names = []
    for d in dirs:
        for n in sorted(os.listdir(d)):
            if n not in names:
                names.append(n)
    for n in names:
        kind, paths, st = entry(dirs, n)
        if kind is None:
            continue
        out = os.path.join(to, n)
        if kind == 'dir':
            os.mkdir(out)
            copy(paths, out)
        elif kind == 'link':
            os.symlink(os.readlink(paths[0]), out)
        elif stat.S_ISREG(st.st_mode):
            shutil.copyfile(paths[0], out, follow_symlinks=False)
        else:
            os.mknod(out, st.st_mode, st.st_rdev)
        own(out, st)

dirs = resolve(target)
if dirs == 'file':
    print('file')
    sys.exit(0)
if not dest or not dirs or os.listdir(dest):
    sys.exit(0)
if dirs:
    copy(dirs, dest)
    own(dest, os.lstat(dirs[0]))
`;

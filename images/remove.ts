import { ContainerError } from '../common/errors';
import type { ImageDeleteItem } from '../common/image-verbs-api';
import { collect } from './gc';
import { canonicalKey, familiar, isDigestKey, noSuchImageRef, parseRef, repositoryOf } from './refs';
import { sha256, type ImageMeta, type ImageStore } from './store';

/**
 * `docker rmi` as Docker's daemon decides it (daemon/images/image_delete.go): by reference it untags, and
 * deletes the image only when that was its last reference; by ID it deletes the image with its references
 * when they are all in one repository, or with force. A container using the image is a conflict (409): a
 * running one always, a stopped one unless forced. Unlike Docker, a forced removal of an image a stopped
 * container uses only untags it: the image stays (dangling) while a container uses it, since its layers are
 * the container's rootfs here (Docker keeps them through the container's RW layer; we keep the image record).
 */

/** A container of the host and whether it runs (Docker's IsRunning: paused counts as running). */
export interface ImageUser {
  id: string;
  running: boolean;
}

/** What a removal does to one image: the references it drops, whether the image goes, and Docker's answer. */
export interface RemovePlan {
  id: string;
  untag: string[];
  remove: boolean;
  records: ImageDeleteItem[];
}

/** stringid.TruncateID: 12 hex digits, without the algorithm. */
export const shortId = (id: string) => id.slice(id.indexOf(':') + 1).slice(0, 12);

/** Whether the text given is a prefix of the image's ID (with or without `sha256:`): Docker's isImageIDPrefix. */
function isIdPrefix(id: string, text: string): boolean {
  return id.startsWith(text) || id.slice('sha256:'.length).startsWith(text);
}

/** Docker's isSingleReference: at most one tag, and every reference in that tag's repository. */
export function isSingleReference(keys: readonly string[]): boolean {
  if (keys.length <= 1) return keys.length === 1;
  const repos = new Set<string>();
  let single: string | undefined;
  for (const k of keys) {
    if (isDigestKey(k)) repos.add(repositoryOf(k));
    else if (single === undefined) {
      repos.add(repositoryOf(k));
      single = k;
    } else return false;
  }
  return repos.size === 1 && repos.has(repositoryOf(single ?? keys[0]!));
}

function conflict(id: string, hard: boolean, why: string): ContainerError {
  const must = hard ? 'cannot be forced' : 'must be forced';
  return new ContainerError('Conflict', `conflict: unable to delete ${shortId(id)} (${must}) - ${why}`);
}

const runningUser = (users: readonly ImageUser[]) => users.find((u) => u.running);
const stoppedUser = (users: readonly ImageUser[]) => users.find((u) => !u.running);

/**
 * The removal of `text` (resolved to `id`, whose references are `keys`, canonical) with `users` the containers
 * whose image it is. Pure: throws Docker's conflicts, changes nothing.
 */
export function planRemove(p: {
  text: string;
  id: string;
  keys: readonly string[];
  users: readonly ImageUser[];
  force: boolean;
}): RemovePlan {
  const { id, users, force } = p;
  const plan: RemovePlan = { id, untag: [], remove: false, records: [] };
  const untag = (k: string) => {
    plan.untag.push(k);
    plan.records.push({ Untagged: familiar(k) });
  };
  let remaining = [...p.keys].sort();
  let quiet = false;
  if (!isIdPrefix(id, p.text)) {
    const key = canonicalKey(parseRef(p.text));
    if (!force && isSingleReference(remaining) && users.length > 0)
      throw new ContainerError(
        'Conflict',
        `conflict: unable to remove repository reference "${p.text}" (must force) - container ${shortId(users[0]!.id)} is using its referenced image ${shortId(id)}`,
      );
    untag(key);
    remaining = remaining.filter((k) => k !== key);
    // a tag gone and no other tag of its repository: the digests of that repository go with it
    const repo = repositoryOf(key);
    if (!isDigestKey(key) && !remaining.some((k) => !isDigestKey(k) && repositoryOf(k) === repo)) {
      for (const k of remaining.filter((k) => isDigestKey(k) && repositoryOf(k) === repo)) untag(k);
      remaining = remaining.filter((k) => !plan.untag.includes(k));
    }
    if (remaining.length > 0) return plan;
    quiet = true;
  } else if (isSingleReference(remaining)) {
    const running = runningUser(users);
    if (running) throw conflict(id, true, `image is being used by running container ${shortId(running.id)}`);
    const stopped = stoppedUser(users);
    if (stopped && !force) throw conflict(id, false, `image is being used by stopped container ${shortId(stopped.id)}`);
    for (const k of remaining) untag(k);
    remaining = [];
  }
  // the image itself (imageDeleteHelper); after an untag by reference its conflicts only keep it (quiet)
  const running = runningUser(users);
  const stopped = stoppedUser(users);
  const why = running
    ? conflict(id, true, `image is being used by running container ${shortId(running.id)}`)
    : !force && remaining.length > 0
      ? conflict(id, false, 'image is referenced in multiple repositories')
      : !force && stopped
        ? conflict(id, false, `image is being used by stopped container ${shortId(stopped.id)}`)
        : undefined;
  if (why && !quiet) throw why;
  if (why) return plan;
  for (const k of remaining) untag(k);
  // forced past a stopped container: untagged, kept while the container uses it
  if (stopped) return plan;
  plan.remove = true;
  plan.records.push({ Deleted: id });
  return plan;
}

/** The references of an image, canonical, sorted. */
export async function keysOf(store: ImageStore, id: string): Promise<string[]> {
  return Object.entries(await store.refs())
    .filter(([, v]) => v === id)
    .map(([k]) => k)
    .sort();
}

export interface RemoveOptions {
  force: boolean;
  /** only decide (and throw the conflicts): nothing changes */
  dryRun?: boolean;
  /** told of each reference dropped and image deleted (the host's image events) */
  emit?: (action: 'untag' | 'delete', id: string) => Promise<void>;
}

/** Removes `text` on this store as planRemove decides; a missing image is Docker's 404. */
export async function removeImage(
  store: ImageStore,
  text: string,
  users: (id: string) => Promise<ImageUser[]>,
  opts: RemoveOptions,
): Promise<{ plan: RemovePlan; meta?: ImageMeta }> {
  const id = await store.find(text);
  if (!id) throw new ContainerError('NoSuchImage', noSuchImageRef(text));
  const plan = planRemove({ text, id, keys: await keysOf(store, id), users: await users(id), force: opts.force });
  if (opts.dryRun) return { plan };
  const meta = await store.meta(id);
  if (plan.untag.length) await store.untag(plan.untag);
  for (const _ of plan.untag) await opts.emit?.('untag', id);
  if (!plan.remove) return { plan };
  await store.deleteImage(id);
  await opts.emit?.('delete', id);
  return { plan, meta };
}

/** Docker's chain IDs of an image's layers, bottom first (the IDs its answer names deleted layers by). */
export function chainIds(diffIDs: readonly string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) out.push(out.length === 0 ? d : sha256(`${out.at(-1)!} ${d}`));
  return out;
}

/**
 * Runs the collector after images were deleted: Docker's `Deleted` lines for their layers it removed (by chain
 * ID, top first as Docker lists them), and the bytes those layers held.
 */
export async function collectDeleted(
  store: ImageStore,
  deleted: readonly ImageMeta[],
): Promise<{ records: ImageDeleteItem[]; bytes: number }> {
  const gone = new Set((await collect(store)).layers);
  const records: ImageDeleteItem[] = [];
  let bytes = 0;
  const counted = new Set<string>();
  for (const meta of deleted) {
    const chain = chainIds(meta.layers.map((l) => l.diffID));
    for (let i = meta.layers.length - 1; i >= 0; i--) {
      const layer = meta.layers[i]!;
      if (!gone.has(layer.diffID)) continue;
      records.push({ Deleted: chain[i]! });
      if (!counted.has(layer.diffID)) bytes += layer.diffSize;
      counted.add(layer.diffID);
    }
  }
  return { records, bytes };
}

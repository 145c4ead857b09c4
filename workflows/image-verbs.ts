import { ContainerError } from '../common/errors';
import type {
  ImageDeleteItem,
  ImagePruneInput,
  ImagePruneResult,
  ImageRemoveInput,
  ImageRemoveResult,
  ImageTagInput,
  ImageTagResult,
} from '../common/image-verbs-api';
import { checkInput, detailOf, surfaced } from './failures';
import { onHost } from './host-routing';
import { onEveryHost, registered } from './host-verbs';
import { lifecycle } from './options';

/**
 * The image verbs that change images (tag, rmi, prune). An image lives on each host that pulled or imported
 * it: with `host` the verb acts there only; without, on every live host that has the image (as `image
 * import` does). rmi first asks every host what it would do, so a conflict on one host leaves the others
 * untouched.
 */

/** Each answer, or undefined where the host has no such image (Docker's 404 there); other failures stand. */
function unlessNoImage<T>(missing: { message?: string }): (err: unknown) => T | undefined {
  return (err) => {
    const d = detailOf(err);
    if (d.type !== 'NoSuchImage') throw err;
    missing.message ??= d.message;
    return undefined;
  };
}

type Answers<T> = Array<{ host: string; answer: T }>;

/** `ask` on `host`, or on every live host; hosts without the image are left out, none with it is the 404. */
async function onHostsWithImage<T>(
  host: string | undefined,
  ask: (acts: ReturnType<typeof onHost>) => Promise<T>,
): Promise<Answers<T>> {
  if (host) {
    await registered(host);
    return [{ host, answer: await ask(onHost(host, lifecycle)) }];
  }
  const missing: { message?: string } = {};
  const all = await onEveryHost(lifecycle, (acts) => ask(acts).catch(unlessNoImage<T>(missing)));
  const found = all.filter((a): a is { host: string; answer: T } => a.answer !== undefined);
  if (found.length > 0) return found;
  if (missing.message) throw new ContainerError('NoSuchImage', missing.message);
  throw new ContainerError('HostUnavailable', 'no live host to change images on');
}

/** Each line once, in the order first given (the same image removed on two hosts answers alike). */
function merged(lists: ImageDeleteItem[][]): ImageDeleteItem[] {
  const seen = new Set<string>();
  return lists.flat().filter((r) => {
    const key = JSON.stringify(r);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** docker tag SOURCE TARGET (POST /images/{name}/tag). */
export function imageTag(input: ImageTagInput): Promise<ImageTagResult> {
  checkInput('imageTag', input);
  const { host, ...rest } = input;
  return surfaced(async () => {
    const all = await onHostsWithImage(host, (acts) => acts.tagImage(rest));
    return { ...all[0]!.answer, hosts: all.map((a) => a.host) };
  });
}

/** docker rmi (DELETE /images/{name}): checked on every host first, then done on each. */
export function imageRemove(input: ImageRemoveInput): Promise<ImageRemoveResult> {
  checkInput('imageRemove', input);
  const { host, dryRun: _dryRun, ...rest } = input;
  return surfaced(async () => {
    const checked = await onHostsWithImage(host, (acts) => acts.removeImage({ ...rest, dryRun: true }));
    const done = await Promise.all(
      checked.map(async ({ host: h }) =>
        onHost(h, lifecycle).removeImage(rest).catch(unlessNoImage<ImageRemoveResult>({})),
      ),
    );
    return merged(done.filter((d): d is ImageRemoveResult => d !== undefined));
  });
}

/** docker image prune (POST /images/prune): on `host`, else every live host. */
export function imagePrune(input: ImagePruneInput): Promise<ImagePruneResult> {
  checkInput('imagePrune', input);
  const { host, ...rest } = input;
  return surfaced(async () => {
    if (host) await registered(host);
    const all = host
      ? [{ host, answer: await onHost(host, lifecycle).pruneImages(rest) }]
      : await onEveryHost(lifecycle, (acts) => acts.pruneImages(rest));
    const deleted = merged(all.map((a) => a.answer.ImagesDeleted ?? []));
    return {
      ImagesDeleted: deleted.length ? deleted : null,
      SpaceReclaimed: all.reduce((n, a) => n + a.answer.SpaceReclaimed, 0),
    };
  });
}

import { WorkflowTypes } from '../common/names';
import type { ImagePruneInput } from '../common/image-verbs-api';
import { plainMetadata } from '../common/workflow-metadata';
// Types only: the workflows run in the worker's sandbox and are started by registered name.
import type { imagePrune, imageRemove, imageTag } from '../workflows/image-verbs';
import { run } from './api';
import type { Session } from './connection';

/** The image verbs that change images (workflows/image-verbs.ts): on `host`, else every live host with the image. */

const where = (host: string | undefined): [string, string] => ['host', host ?? 'every live host with the image'];
const onHost = <T extends object>(input: T, host: string | undefined) =>
  host === undefined ? input : { ...input, host };

/** docker tag SOURCE TARGET */
export const tagImage = (s: Session, source: string, target: string, host?: string) =>
  run<typeof imageTag>(
    s,
    WorkflowTypes.imageTag,
    { args: [onHost({ source, target }, host)] },
    { meta: plainMetadata('image tag', `${source} ${target}`, [['source', source], ['target', target], where(host)]) },
  );

/** docker rmi [-f] IMAGE: Docker's list of what was untagged and deleted */
export const removeImage = (s: Session, image: string, opts: { force: boolean; noprune?: boolean; host?: string }) =>
  run<typeof imageRemove>(
    s,
    WorkflowTypes.imageRemove,
    { args: [onHost({ image, force: opts.force, ...(opts.noprune ? { noprune: true } : {}) }, opts.host)] },
    { meta: plainMetadata(opts.force ? 'rmi -f' : 'rmi', image, [['image', image], where(opts.host)], image) },
  );

/** docker image prune [-a] */
export const pruneImages = (s: Session, input: ImagePruneInput) =>
  run<typeof imagePrune>(
    s,
    WorkflowTypes.imagePrune,
    { args: [input] },
    {
      meta: plainMetadata(input.all ? 'image prune -a' : 'image prune', undefined, [
        ['images', input.all ? 'every image no container uses' : 'dangling images'],
        ['host', input.host ?? 'every live host'],
      ]),
    },
  );

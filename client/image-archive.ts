import path from 'node:path';
import { WorkflowTypes } from '../common/names';
import { plainMetadata } from '../common/workflow-metadata';
// Types only (the workflows run in the worker's sandbox).
import type { imageLoad as imageLoadWorkflow, imageSave as imageSaveWorkflow } from '../workflows/image-archive';
import { run } from './api';
import type { Session } from './connection';

/**
 * `image save` / `image load`: the archive is a path on the worker's host (a relative one is taken from this
 * process's directory: meant for a CLI on that machine). Nothing here prints.
 */
export function imageSave(s: Session, images: string[], output: string, host?: string) {
  const out = path.resolve(output);
  return run<typeof imageSaveWorkflow>(
    s,
    WorkflowTypes.imageSave,
    { args: [{ images, output: out, ...(host === undefined ? {} : { host }) }] },
    {
      meta: plainMetadata('image save', images.join(' '), [
        ['images', images.join(' ')],
        ['output', out],
        ['host', host ?? 'the host that has them'],
      ]),
    },
  );
}

export function imageLoad(s: Session, input: string, host?: string) {
  const from = path.resolve(input);
  return run<typeof imageLoadWorkflow>(
    s,
    WorkflowTypes.imageLoad,
    { args: [{ input: from, ...(host === undefined ? {} : { host }) }] },
    {
      meta: plainMetadata('image load', from, [
        ['input', from],
        ['host', host ?? 'every live host'],
      ]),
    },
  );
}

import type { ArchivedImage, ImageLoadResult, MissingImages } from '../common/image-archive-api';
import { loadArchive } from '../images/archive-load';
import { collect, releaseLease } from '../images/gc';
import { resolveArchiveInput, resolveArchiveOutput } from '../images/archive-paths';
import { saveImages } from '../images/archive-save';
import { noSuchImageRef } from '../images/refs';
import type { HostRecords } from '../runtime/host-records';
import { withHeartbeat } from './heartbeat';
import { classified } from './to-failure';

/**
 * `image save` / `image load` on a host: the archive is a file on that host's machine (its path in the
 * input), read or written here; its bytes never travel through Temporal (docs/design.md, "Image archives").
 */
export function createImageArchiveActivities(runtime: HostRecords) {
  const note = (progress?: (d?: string) => void) => (d: string) => progress?.(d);
  return {
    /** Which of `images` this host lacks (a save without --host looks for the host that has them all). */
    async findImages(input: { images: string[] }): Promise<MissingImages> {
      return classified(async () => {
        const missing: MissingImages['missing'] = [];
        for (const name of input.images)
          if (!(await runtime.images.find(name))) missing.push({ name, message: noSuchImageRef(name) });
        return { missing };
      });
    },
    async saveImages(input: {
      images: string[];
      output: string;
    }): Promise<{ output: string; images: ArchivedImage[]; bytes: number }> {
      return classified(() =>
        withHeartbeat(async (ctx) => {
          const output = await resolveArchiveOutput(input.output, runtime.config.bindAllow, runtime.root);
          return { output, ...(await saveImages(runtime.images, input.images, output, note(ctx.progress))) };
        }),
      );
    },
    /** `lease`: the workflow's own name for what the load holds against the collector while it unpacks. */
    async loadImages(input: { input: string; lease: string }): Promise<Omit<ImageLoadResult, 'hosts'>> {
      return classified(() =>
        withHeartbeat(async (ctx) => {
          const source = await resolveArchiveInput(input.input, runtime.config.bindAllow, runtime.root);
          return loadArchive(runtime.images, source, input.lease, note(ctx.progress));
        }),
      );
    },
    /**
     * A load that failed for good: its lease released and the collector run (the load does so itself when it
     * fails; this covers a worker that died in its last attempt). Idempotent.
     */
    async releaseLoad(input: { lease: string }): Promise<void> {
      return classified(async () => {
        await releaseLease(runtime.images, input.lease);
        await collect(runtime.images);
      });
    },
  };
}

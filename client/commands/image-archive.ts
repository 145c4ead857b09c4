import type { Command } from 'commander';
import { loadedLines } from '../../common/image-archive-api';
import type { CliContext } from '../context';
import { imageLoad, imageSave } from '../image-archive';
import { printJson } from '../output';

type SaveFlags = { output: string; host?: string; json?: boolean };
type LoadFlags = { input: string; host?: string; json?: boolean; quiet?: boolean };

/**
 * `image save` / `image load` (and Docker's top-level `save` / `load`): docker-archive and OCI layout files
 * on the worker's host, written and read there.
 */
export function registerImageArchive(program: Command, ctx: CliContext): void {
  const image = program.commands.find((c) => c.name() === 'image');
  for (const parent of [image, program]) {
    if (!parent) continue;
    parent
      .command('save')
      .description('Save images to a docker-archive tarball on the worker host (readable by docker load and skopeo)')
      .argument('<image...>')
      .requiredOption('-o, --output <file>', "the archive's path on the worker host")
      .option('--host <name>', 'save on this host (default: the one live host that has every image)')
      .option('--json', 'print the result as JSON')
      .action(async (images: string[], flags: SaveFlags) => {
        const r = await imageSave(await ctx.session(), images, flags.output, flags.host);
        if (flags.json) printJson(r);
      });
    parent
      .command('load')
      .description('Load images from a docker-archive or OCI layout (tarball or directory) on the worker host')
      .requiredOption('-i, --input <file>', "the archive's path on the worker host")
      .option('--host <name>', 'load on this host only (default: every live host, each reading its own file)')
      .option('-q, --quiet', 'print nothing')
      .option('--json', 'print the result as JSON')
      .action(async (flags: LoadFlags) => {
        const r = await imageLoad(await ctx.session(), flags.input, flags.host);
        if (flags.json) printJson(r);
        else if (!flags.quiet)
          process.stdout.write(
            loadedLines(r)
              .map((l) => `${l}\n`)
              .join(''),
          );
      });
  }
}

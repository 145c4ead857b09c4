import type { Command } from 'commander';
import { imageImport, imageList } from '../api';
import type { CliContext } from '../context';
import { registerImagePull } from './image-pull';
import { ago, humanSize, printJson, printTable } from '../output';

/** image import / image ls: images are rootfs tarballs or directories on the worker's host (no registry). */
export function registerImage(program: Command, ctx: CliContext): void {
  const image = program
    .command('image')
    .description('Manage images (rootfs tarballs or directories on the worker host)');
  image
    .command('import')
    .description(
      'Import a rootfs tarball or directory on the worker host as NAME ("busybox-static" builds busybox from the host\'s static binary)',
    )
    .argument('<name>')
    .argument('<source>')
    .option(
      '--host <name>',
      'import it on this host only (default: every live host, each reading SOURCE on its own machine)',
    )
    .option('--json', 'print the image record as JSON')
    .action(async (name: string, source: string, flags: { json?: boolean; host?: string }) => {
      const info = await imageImport(await ctx.session(), name, source, flags.host);
      if (flags.json) printJson(info);
      else process.stdout.write(`${info.name}\n`);
    });
  registerImagePull(image, ctx);
  image
    .command('ls')
    .alias('list')
    .description('List images')
    .option('-q, --quiet', 'only display image names')
    .option('--json', 'print the image records as a JSON array')
    .action(async (flags: { json?: boolean; quiet?: boolean }) => {
      const images = await imageList(await ctx.session());
      if (flags.json) printJson(images);
      else if (flags.quiet) process.stdout.write(images.map((i) => `${i.name}\n`).join(''));
      else
        printTable(
          ['REPOSITORY', 'CREATED', 'SIZE'],
          images.map((i) => [i.name, ago(i.created), humanSize(i.sizeBytes)]),
        );
    });
}

import type { Command } from 'commander';
import { imageImport } from '../api';
import type { CliContext } from '../context';
import { printJson } from '../output';
import { registerImageVerbs } from './image-verbs';
import { registerImagePull } from './image-pull';

/** image import, and the other image verbs (image-verbs.ts). */
export function registerImage(program: Command, ctx: CliContext): void {
  const image = program
    .command('image')
    .description('Manage images (pulled from registries, loaded, or imported from rootfs tarballs and directories)');
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
  registerImageVerbs(program, image, ctx);
  registerImagePull(image, ctx);
}

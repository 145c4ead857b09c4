import type { Command } from 'commander';
import { imageImport, imageList } from '../api';
import type { CliContext } from '../context';
import { ago, printJson, printTable } from '../output';

export function registerImage(program: Command, ctx: CliContext): void {
  const image = program.command('image').description('Manage images (rootfs tarballs or directories; no registry pulls)');
  image
    .command('import')
    .description('Import a rootfs tarball or directory as NAME (SOURCE "busybox-static" builds busybox from Debian\'s binary)')
    .argument('<name>')
    .argument('<source>')
    .action(async (name: string, source: string) => {
      const info = await imageImport(await ctx.session(), name, source);
      process.stdout.write(`${info.name}\n`);
    });
  image
    .command('ls')
    .description('List images')
    .option('--json', 'print as JSON')
    .action(async (flags: { json?: boolean }) => {
      const images = await imageList(await ctx.session());
      if (flags.json) return printJson(images);
      printTable(['REPOSITORY', 'CREATED', 'SIZE'], images.map((i) => [i.name, ago(i.created), `${(i.sizeBytes / 1e6).toFixed(1)}MB`]));
    });
}

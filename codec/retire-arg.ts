/** The key ID to retire, if asked: `--retire ID`, `--retire=ID`, or npm's `npm_config_retire` with ID as argument. */
export function retireArg(argv: readonly string[], env: NodeJS.ProcessEnv): string | undefined {
  const i = argv.findIndex((a) => a === '--retire' || a.startsWith('--retire='));
  if (i >= 0) {
    const id = argv[i]!.startsWith('--retire=') ? argv[i]!.slice('--retire='.length) : argv[i + 1];
    if (!id) throw new Error('--retire takes the ID of the key to retire');
    return id;
  }
  const npm = env.npm_config_retire;
  if (npm === undefined || npm === '' || npm === 'false') return undefined;
  const id = npm === 'true' ? argv[0] : npm;
  if (!id) throw new Error('--retire takes the ID of the key to retire');
  return id;
}

/** Where Docker puts its init (--init) in the container. */
export const INIT_PATH = '/sbin/docker-init';

/** The command under the init: what the process runs once `docker-init --` is taken off its args. */
export function withoutInit(args: readonly string[]): readonly string[] {
  return args[0] === INIT_PATH && args[1] === '--' ? args.slice(2) : args;
}

import fc from 'fast-check';
import { hostileString } from './arbitraries';

/**
 * Flag vectors for `create` / `run`: the known flags with values that are valid, nearly valid (the edge Docker
 * draws: negative, overflowing, malformed) or hostile, a few flags Docker has and container-saga does not
 * (-p, --mount, --ulimit), each as `--flag value` or `--flag=value`. Shared by the in-process target and the
 * cases sent through the real CLI.
 */

const sizes = fc.constantFrom(
  '64m',
  '1g',
  '512k',
  '1024',
  '0',
  '-1',
  '1.5k',
  '6m',
  '5m',
  '99999999999999999999g',
  '1e3',
  '1 m',
  'm',
  '10mb',
  '10MiB',
  '',
);
const ints = fc.constantFrom(
  '-1',
  '0',
  '1',
  '100',
  '2147483648',
  '9223372036854775808',
  '99999999999999999999',
  '1.5',
  '0x10',
  '+1',
  '',
);

const VALUES: Record<string, fc.Arbitrary<string>> = {
  '--name': fc.constantFrom('web', 'a', 'a.b_c-d', '/web', '-web', '.web', 'web/x'),
  '--network': fc.constantFrom(
    'bridge',
    'none',
    'host',
    'container:web',
    'container:',
    'container',
    'container:..',
    'default',
    'nosuch',
    'BRIDGE',
  ),
  '-e': fc.constantFrom('K=V', 'K', '=V', 'K=', 'PATH', 'K=a=b', '', '=', 'K\u0301=é'),
  '-w': fc.constantFrom('/', '/x', 'x', '/../..', '../x', '/a/../../b', ''),
  '-v': fc.constantFrom(
    'data:/data',
    '/src:/dst',
    '/src:/dst:ro',
    '/src:/dst:rw',
    '/src:/dst:z',
    'data:/',
    'data:',
    ':/x',
    '..:/x',
    '../x:/y',
    'a:b:c:d',
    '/x',
    'bad name:/x',
    '/src:relative',
  ),
  '--tmpfs': fc.constantFrom('/t', '/t:size=1m', 't', '/', '//', '/t:', ':/t'),
  '--shm-size': sizes,
  '-m': sizes,
  '--memory': sizes,
  '--ipc': fc.constantFrom('private', 'shareable', 'host', 'none', 'container:web', 'container:', 'nosuch', ''),
  '--security-opt': fc.constantFrom(
    'no-new-privileges',
    'no-new-privileges:true',
    'no-new-privileges=false',
    'seccomp=unconfined',
    'seccomp:unconfined',
    'label=disable',
    'apparmor=unconfined',
    'label',
    'seccomp=',
    'nosuch',
    '=',
  ),
  '--restart': fc.constantFrom(
    'no',
    'always',
    'unless-stopped',
    'on-failure',
    'on-failure:3',
    'on-failure:-1',
    'on-failure:99999999999999999999',
    'always:3',
    'on-failure:',
    'on-failure:x',
    'never',
    '',
  ),
  '--link': fc.constantFrom('web', 'web:alias', '/web:alias', 'web:', ':alias', 'a:b:c', '..'),
  '-h': fc.constantFrom('host', 'a.b', ''),
  '--expose': fc.constantFrom('80', '80/tcp', '53/udp', '0', '65535', '65536', '99999', '80/http', '80-90', '-1', ''),
  '-l': fc.constantFrom('k=v', 'k', '=v', 'k=', '', 'a.b=c=d'),
  '--cpus': fc.constantFrom(
    '0.5',
    '1',
    '2',
    '3',
    '0',
    '.5',
    '1.',
    '-1',
    '1e3',
    '99999999999999999999',
    '0.000000000001',
    'x',
    '',
  ),
  '--pids-limit': ints,
  '--host': fc.constantFrom(
    'node-1',
    'a',
    'a.b_c-d',
    'bad/name',
    '',
    '-x',
    '.x',
    'a b',
    'x'.repeat(63),
    'x'.repeat(64),
    'container-saga@a',
  ),
  '--log-opt': fc.constantFrom(
    'max-size=10m',
    'max-file=3',
    'max-size=0',
    'max-file=0',
    'max-file=-1',
    'max-size=-1',
    'max-size=99999999999999999999t',
    'nosuch=1',
    'max-size',
    '=',
    'compress=true',
  ),
};
const SWITCHES = ['--read-only', '-t', '--tty'];
/** Docker flags container-saga does not have: commander refuses them (a usage error). */
const FOREIGN = ['-p', '--publish', '--mount', '--ulimit', '--cap-add', '--privileged', '--entrypoint'];

const value = (flag: string) =>
  fc.oneof({ weight: 3, arbitrary: VALUES[flag]! }, { weight: 2, arbitrary: hostileString });

const flagArg: fc.Arbitrary<string[]> = fc.oneof(
  {
    weight: 12,
    arbitrary: fc
      .constantFrom(...Object.keys(VALUES))
      .chain((flag) =>
        fc.tuple(value(flag), fc.boolean()).map(([v, joined]) => (joined ? [`${flag}=${v}`] : [flag, v])),
      ),
  },
  { weight: 2, arbitrary: fc.constantFrom(...SWITCHES).map((s) => [s]) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...FOREIGN), hostileString).map(([f, v]) => [f, v]) },
);

export interface FlagVector {
  /** the arguments after `create` (or `run`), IMAGE and COMMAND included */
  args: string[];
  /** `run` only: -d and --rm */
  run: { detach: boolean; rm: boolean };
}

export const flagVector: fc.Arbitrary<FlagVector> = fc
  .record({
    flags: fc.array(flagArg, { maxLength: 8 }),
    image: fc.oneof({ weight: 4, arbitrary: fc.constant('busybox') }, { weight: 1, arbitrary: hostileString }),
    cmd: fc.array(fc.oneof(fc.constantFrom('sleep', '100', 'sh', '-c', 'exit 3'), hostileString), {
      minLength: 1,
      maxLength: 3,
    }),
    detach: fc.boolean(),
    rm: fc.boolean(),
  })
  .map(({ flags, image, cmd, detach, rm }) => ({ args: [...flags.flat(), image, ...cmd], run: { detach, rm } }));

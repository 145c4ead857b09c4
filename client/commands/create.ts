import type { Command } from 'commander';
import { createWithPull, PULL_POLICY_HELP, pullPolicy } from '../implicit-pull';
import type { CliContext } from '../context';
import { printJson } from '../output';
import { parseCreate, type CreateFlags } from '../parse-create';

const collect = (v: string, acc: string[]) => [...acc, v];

/** Docker's create flags, shared by `create` and `run`. */
export function withCreateOptions(command: Command): Command {
  return command
    .option('--name <name>', 'assign a name to the container')
    .option('--network <mode>', "bridge (default), none, host, container:<name|id> or a user network's name")
    .option('--network-alias <alias>', "the container's alias on its --network (repeatable)", collect, [])
    .option('--ip <address>', 'its IPv4 address on its --network (a user-defined one)')
    .option(
      '-e, --env <KEY[=VALUE]>',
      'set an environment variable; KEY alone passes the value from this environment (repeatable)',
      collect,
      [],
    )
    .option('-w, --workdir <dir>', 'working directory inside the container')
    .option('--entrypoint <command>', 'override the image\'s entrypoint ("" resets it)')
    .option('-u, --user <user[:group]>', 'user (name or uid) and group (name or gid) the process runs as')
    .option('--stop-signal <signal>', "signal `stop` sends first (default: the image's, else SIGTERM)")
    .option('--health-cmd <command>', 'command run (through /bin/sh -c) in the container to check its health')
    .option('--health-interval <duration>', 'time between health checks (ms|s|m|h) (default 30s)')
    .option('--health-timeout <duration>', 'maximum time one health check may take (ms|s|m|h) (default 30s)')
    .option('--health-retries <n>', 'consecutive failures that make the container unhealthy (default 3)')
    .option('--health-start-period <duration>', 'time to start before failures count (ms|s|m|h) (default 0s)')
    .option('--health-start-interval <duration>', 'time between checks during the start period (default 5s)')
    .option('--no-healthcheck', "disable any healthcheck (the image's too)")
    .option(
      '-v, --volume <[src:]dst[:ro]>',
      'bind mount (absolute SRC), named or (no SRC) anonymous volume (repeatable)',
      collect,
      [],
    )
    .option('-c, --cpu-shares <weight>', 'CPU shares (relative weight; the kernel default is 1024)')
    .option('--device <host[:container][:rwm]>', 'add a host device to the container (repeatable)', collect, [])
    .option('--group-add <group>', 'add a supplementary group (name or gid) (repeatable)', collect, [])
    .option('--init', 'run an init (tini) as PID 1 that forwards signals and reaps processes')
    .option('--stop-timeout <seconds>', 'seconds `stop` waits before SIGKILL when given no -t (default 10)')
    .option('--tmpfs <dst[:opts]>', 'mount a tmpfs directory (repeatable)', collect, [])
    .option('--mount <type=…,target=…>', 'attach a filesystem mount: bind, volume or tmpfs (repeatable)', collect, [])
    .option(
      '--volumes-from <container[:ro|:rw]>',
      "mount another container's volumes and binds (repeatable)",
      collect,
      [],
    )
    .option('--shm-size <size>', 'size of /dev/shm (e.g. 64m)')
    .option('--ipc <mode>', 'private (default), shareable, host, none or container:<name|id>')
    .option(
      '--security-opt <opt>',
      'security option: seccomp=unconfined|<profile.json>, no-new-privileges, … (repeatable)',
      collect,
      [],
    )
    .option('--cap-add <cap>', 'add a Linux capability (NET_ADMIN, CAP_SYS_TIME, ALL) (repeatable)', collect, [])
    .option('--cap-drop <cap>', 'drop a Linux capability (repeatable)', collect, [])
    .option('--privileged', 'give the container every capability, no seccomp filter, no masked paths, every device')
    .option('--restart <policy>', 'no, always, unless-stopped or on-failure[:N]')
    .option('--link <name[:alias]>', 'link to another container (repeatable)', collect, [])
    .option('-h, --hostname <name>', 'container host name')
    .option('--domainname <name>', 'container NIS domain name (and the FQDN in /etc/hosts)')
    .option('--dns <ip>', "name server for /etc/resolv.conf, instead of the host's (repeatable)", collect, [])
    .option('--dns-search <domain>', "search domain, instead of the host's ('.': none) (repeatable)", collect, [])
    .option('--dns-option <option>', "resolver option, instead of the host's (e.g. ndots:2) (repeatable)", collect, [])
    .option('--add-host <name:ip>', 'add a line to /etc/hosts (ip may be host-gateway) (repeatable)', collect, [])
    .option('--expose <port[/proto]>', 'expose a port (repeatable)', collect, [])
    .option(
      '-p, --publish <[ip:][hostPort:]containerPort[/proto]>',
      "publish a container's port (or range) on the host (repeatable)",
      collect,
      [],
    )
    .option('-P, --publish-all', 'publish every exposed port on an ephemeral host port')
    .option('-l, --label <key=value>', 'set a label (repeatable)', collect, [])
    .option('-m, --memory <bytes>', 'memory limit (e.g. 64m)')
    .option('--memory-swap <bytes>', 'memory + swap limit (e.g. 128m; -1 unlimited swap; default: twice --memory)')
    .option('--ulimit <name=soft[:hard]>', 'rlimit (e.g. nofile=1024:2048) (repeatable)', collect, [])
    .option('--oom-score-adj <n>', "the process's OOM score adjustment (-1000 to 1000)")
    .option('--oom-kill-disable', 'disable the OOM killer for the container (cgroup v1 hosts; elsewhere discarded)')
    .option('--cgroupns <mode>', 'host or private cgroup namespace (default: private on cgroup v2, host on v1)')
    .option('--cpus <number>', 'number of CPUs (e.g. 0.5)')
    .option('--pids-limit <n>', 'pids limit (-1 for unlimited)')
    .option('--read-only', "mount the container's root filesystem read-only")
    .option('-t, --tty', 'allocate a pseudo-TTY')
    .option('-i, --interactive', "keep STDIN open: what is attached is the process's stdin")
    .option(
      '--log-opt <key=value>',
      'log option: max-size (e.g. 10m; default 20m) or max-file (default 5) (repeatable)',
      collect,
      [],
    )
    .option(
      '--host <name>',
      'the host the container belongs to (see `container-saga host ls`); default: the live, active host with the fewest running containers',
    );
}

/** docker create: flags → CreateRequest (validated before anything is sent) → containerCreate workflow. */
export function registerCreate(program: Command, ctx: CliContext): void {
  const command = program
    .command('create')
    .description('Create a new container (prints its ID)')
    .usage('[options] IMAGE [COMMAND] [ARG...]')
    .argument('<image>')
    .argument('[command...]')
    // Everything after IMAGE belongs to the command: `create busybox sh -c 'sleep 1'`.
    .passThroughOptions();
  withCreateOptions(command)
    .option('--json', 'print {Id, Warnings} as JSON')
    .option('--pull <policy>', PULL_POLICY_HELP)
    .helpOption('--help', 'display help for command')
    .action(
      async (
        image: string,
        cmd: string[],
        flags: CreateFlags & { json?: boolean; pull?: string; interactive?: boolean },
      ) => {
        const policy = pullPolicy(flags.pull, 'create');
        const request = parseCreate(flags, image, cmd, process.env);
        if (flags.interactive) request.openStdin = true;
        const created = await createWithPull(await ctx.session(), request, flags.host, policy);
        if (flags.json) return printJson(created);
        printWarnings(created.Warnings);
        process.stdout.write(`${created.Id}\n`);
      },
    );
}

/** The docker CLI prints each of create's warnings to stderr, before the ID. */
export function printWarnings(warnings: readonly string[] | null | undefined): void {
  for (const w of warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
}

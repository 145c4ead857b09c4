/** POST /containers/create's body → CreateRequest: what the docker CLI sends, what is refused and why. No Temporal. */
import { describe, expect, it } from 'vitest';
import { toCreateRequest } from '../../api/convert/create-request';
import { ApiError } from '../../api/http';

/** What Debian's docker 20.10 sends for `docker create --name web busybox sleep 1000` (captured from the client). */
const DOCKER_20_10 = {
  Hostname: '',
  Domainname: '',
  User: '',
  AttachStdin: false,
  AttachStdout: true,
  AttachStderr: true,
  Tty: false,
  OpenStdin: false,
  StdinOnce: false,
  Env: null,
  Cmd: ['sleep', '1000'],
  Image: 'busybox',
  Volumes: {},
  WorkingDir: '',
  Entrypoint: null,
  OnBuild: null,
  Labels: {},
  HostConfig: {
    Binds: null,
    ContainerIDFile: '',
    LogConfig: { Type: '', Config: {} },
    NetworkMode: 'default',
    PortBindings: {},
    RestartPolicy: { Name: 'no', MaximumRetryCount: 0 },
    AutoRemove: false,
    VolumeDriver: '',
    VolumesFrom: null,
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: '',
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: '',
    Cgroup: '',
    Links: null,
    OomScoreAdj: 0,
    PidMode: '',
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: '',
    UsernsMode: '',
    ShmSize: 0,
    ConsoleSize: [0, 0],
    Isolation: '',
    CpuShares: 0,
    Memory: 0,
    NanoCpus: 0,
    CgroupParent: '',
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: null,
    BlkioDeviceWriteBps: null,
    BlkioDeviceReadIOps: null,
    BlkioDeviceWriteIOps: null,
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: '',
    CpusetMems: '',
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    KernelMemory: 0,
    KernelMemoryTCP: 0,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: -1,
    OomKillDisable: false,
    PidsLimit: 0,
    Ulimits: null,
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: null,
    ReadonlyPaths: null,
  },
  NetworkingConfig: { EndpointsConfig: {} },
};

const body = (over: Record<string, unknown> = {}, hostConfig: Record<string, unknown> = {}) =>
  ({ ...DOCKER_20_10, ...over, HostConfig: { ...DOCKER_20_10.HostConfig, ...hostConfig } }) as Record<string, unknown>;

/** The ApiError `fn` throws. */
function apiError(fn: () => unknown, what = ''): ApiError {
  try {
    fn();
  } catch (err) {
    expect(err, what).toBeInstanceOf(ApiError);
    return err as ApiError;
  }
  throw new Error(`expected an ApiError ${what}`);
}

describe('what the docker CLI sends', () => {
  it('every field at its zero value is accepted; the defaults it sends are kept as Docker keeps them', () => {
    expect(toCreateRequest(body(), 'web')).toEqual({
      image: 'busybox',
      cmd: ['sleep', '1000'],
      name: 'web',
      hostConfig: { NetworkMode: 'default', RestartPolicy: { Name: 'no', MaximumRetryCount: 0 } },
    });
  });

  it("a newer client: the default network's endpoint with every setting at zero, -1 swappiness, Ulimits []", () => {
    const newer = body(
      {},
      { Ulimits: [], BlkioDeviceReadBps: [], KernelMemory: undefined, Annotations: {}, Init: null },
    );
    newer.NetworkingConfig = {
      EndpointsConfig: {
        default: {
          IPAMConfig: null,
          Links: null,
          Aliases: null,
          MacAddress: '',
          DriverOpts: null,
          GwPriority: 0,
          NetworkID: '',
          EndpointID: '',
          Gateway: '',
          IPAddress: '',
          IPPrefixLen: 0,
          IPv6Gateway: '',
          GlobalIPv6Address: '',
          GlobalIPv6PrefixLen: 0,
          DNSNames: null,
        },
      },
    };
    expect(toCreateRequest(newer, null)).toMatchObject({ image: 'busybox', cmd: ['sleep', '1000'] });
  });

  it('every supported flag (the body of `docker create` with all of them)', () => {
    const req = toCreateRequest(
      body(
        {
          Hostname: 'host',
          ExposedPorts: { '80/tcp': {}, '53/udp': {} },
          Tty: true,
          OpenStdin: true,
          StdinOnce: true,
          Env: ['A=1'],
          Cmd: ['sh'],
          WorkingDir: '/data',
          Labels: { a: 'b' },
        },
        {
          Binds: ['data:/data', '/tmp:/t:ro'],
          LogConfig: { Type: '', Config: { 'max-size': '10m' } },
          NetworkMode: 'none',
          RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
          AutoRemove: true,
          IpcMode: 'shareable',
          Links: ['/db:alias'],
          ReadonlyRootfs: true,
          SecurityOpt: ['no-new-privileges'],
          Tmpfs: { '/run': '' },
          ShmSize: 67108864,
          Memory: 67108864,
          NanoCpus: 1000000000,
          PidsLimit: 10,
        },
      ),
      null,
    );
    expect(req).toEqual({
      image: 'busybox',
      cmd: ['sh'],
      env: ['A=1'],
      workingDir: '/data',
      hostname: 'host',
      tty: true,
      openStdin: true,
      stdinOnce: true,
      exposedPorts: ['80/tcp', '53/udp'],
      labels: { a: 'b' },
      hostConfig: {
        NetworkMode: 'none',
        Binds: ['data:/data', '/tmp:/t:ro'],
        Tmpfs: { '/run': '' },
        ShmSize: 67108864,
        IpcMode: 'shareable',
        SecurityOpt: ['no-new-privileges'],
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
        AutoRemove: true,
        Links: ['db:alias'],
        Memory: 67108864,
        NanoCpus: 1000000000,
        PidsLimit: 10,
        ReadonlyRootfs: true,
        LogConfig: { Type: 'json-file', Config: { 'max-size': '10m' } },
      },
    });
  });

  it('hints for the client and defaults are accepted at any value Docker gives them', () => {
    const req = toCreateRequest(
      body(
        {
          AttachStdin: true,
          StdinOnce: true,
          StopSignal: 'SIGTERM',
          Healthcheck: { Test: ['NONE'] },
          ArgsEscaped: true,
        },
        {
          ConsoleSize: [40, 120],
          ContainerIDFile: '/tmp/id',
          VolumeDriver: 'local',
          Isolation: 'default',
          Runtime: 'runc',
        },
      ),
      null,
    );
    expect(req.cmd).toEqual(['sleep', '1000']);
  });
});

describe('command, image and name', () => {
  it('Entrypoint and Cmd go apart as sent; `--entrypoint ""` is kept for the merge; a string is a one-word list', () => {
    const both = toCreateRequest(body({ Entrypoint: ['sh', '-c'], Cmd: ['exit 3'] }), null);
    expect([both.entrypoint, both.cmd]).toEqual([['sh', '-c'], ['exit 3']]);
    const word = toCreateRequest(body({ Entrypoint: 'sh', Cmd: null }), null);
    expect([word.entrypoint, word]).toEqual([['sh'], expect.not.objectContaining({ cmd: expect.anything() })]);
    expect(toCreateRequest(body({ Entrypoint: [''], Cmd: ['true'] }), null).entrypoint).toEqual(['']);
    expect(toCreateRequest(body({ Entrypoint: [], Cmd: ['true'] }), null).entrypoint).toEqual([]);
    expect(toCreateRequest(body({ Cmd: 'true' }), null).cmd).toEqual(['true']);
    // neither: the image's (the host's create merges, and answers "No command specified" when it has none)
    const none = toCreateRequest(body({ Entrypoint: null, Cmd: null }), null);
    expect([none.cmd, none.entrypoint]).toEqual([undefined, undefined]);
  });

  it('User, StopSignal and --no-healthcheck are converted; their zero values are absent', () => {
    const r = toCreateRequest(
      body({ User: 'app:staff', StopSignal: 'SIGUSR1', Healthcheck: { Test: ['NONE'] } }),
      null,
    );
    expect([r.user, r.stopSignal, r.healthcheck]).toEqual(['app:staff', 'SIGUSR1', { Test: ['NONE'] }]);
    const zero = toCreateRequest(body({ User: '', StopSignal: '', Healthcheck: null }), null);
    expect([zero.user, zero.stopSignal, zero.healthcheck]).toEqual([undefined, undefined, undefined]);
  });

  it('Domainname, Dns, DnsSearch, DnsOptions and ExtraHosts are converted as sent; empty ones are absent', () => {
    const hc = {
      Dns: ['192.0.2.1'],
      DnsSearch: ['a.example'],
      DnsOptions: ['ndots:2'],
      ExtraHosts: ['h:host-gateway'],
    };
    const r = toCreateRequest(body({ Domainname: 'example.com' }, hc), null);
    expect([r.domainname, r.hostConfig]).toEqual(['example.com', expect.objectContaining(hc)]);
    const zero = toCreateRequest(
      body({ Domainname: '' }, { Dns: [], DnsSearch: [], DnsOptions: [], ExtraHosts: null }),
      null,
    );
    expect(zero.domainname).toBeUndefined();
    expect(Object.keys(zero.hostConfig ?? {})).not.toContain('Dns');
    expect(Object.keys(zero.hostConfig ?? {})).not.toContain('ExtraHosts');
  });

  it("the image as given (the host resolves it); a bad reference is Docker's 400", () => {
    for (const image of ['busybox:latest', 'localhost:5000/tools', 'busybox@sha256:' + 'a'.repeat(64), 'abc123'])
      expect(toCreateRequest(body({ Image: image }), null).image).toBe(image);
    for (const image of ['UPPER/case', 'a::b', 'x'.repeat(300), 'busybox@sha256:abcd']) {
      const e = apiError(() => toCreateRequest(body({ Image: image }), null));
      expect(e.status).toBe(400);
      expect(e.message).toMatch(/^(invalid reference format|repository name must not be more than 255 characters)/);
    }
    const missing = apiError(() => toCreateRequest(body({ Image: '' }), null));
    expect([missing.status, missing.message]).toEqual([400, 'No image was specified']);
  });

  it("names: Docker's rule, the leading slash dropped, empty means none", () => {
    expect(toCreateRequest(body(), '/web').name).toBe('web');
    expect(toCreateRequest(body(), 'a..b').name).toBe('a..b');
    expect(toCreateRequest(body(), '')).not.toHaveProperty('name');
    for (const name of ['a/b', '../etc', '..', 'x', '-x', 'a b', 'é']) {
      const e = apiError(() => toCreateRequest(body(), name));
      expect([e.status, e.message]).toEqual([
        400,
        `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`,
      ]);
    }
  });
});

describe('published ports', () => {
  it('PortBindings (HostIp and HostPort default to "", null: none) and PublishAllPorts are converted', () => {
    const req = toCreateRequest(
      body(
        { ExposedPorts: { '53/udp': {} } },
        {
          PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '8080' }, { HostPort: '8081' }], '81': null },
          PublishAllPorts: true,
        },
      ),
      null,
    );
    expect(req.exposedPorts).toEqual(['53/udp']);
    expect(req.hostConfig).toMatchObject({
      PortBindings: {
        '80/tcp': [
          { HostIp: '127.0.0.1', HostPort: '8080' },
          { HostIp: '', HostPort: '8081' },
        ],
        '81': [],
      },
      PublishAllPorts: true,
    });
  });

  it('a binding of the wrong shape names the field', () => {
    for (const [pb, why] of [
      [{ '80/tcp': 'x' }, 'invalid HostConfig.PortBindings.80/tcp: want an array'],
      [{ '80/tcp': [1] }, 'invalid HostConfig.PortBindings.80/tcp: want objects'],
    ] as const) {
      const e = apiError(() => toCreateRequest(body({}, { PortBindings: pb }), null), why);
      expect([e.status, e.message]).toEqual([400, why]);
    }
  });
});

describe('what is refused, and how', () => {
  it('a Docker feature set to anything but its zero value names the field', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>, string]> = [
      // (Privileged, CapAdd and CapDrop are supported: test/unit/confine.test.ts)
      [{}, { Capabilities: ['CAP_NET_ADMIN'] }, 'HostConfig.Capabilities'],
      [{}, { MaskedPaths: ['/proc/kcore'] }, 'HostConfig.MaskedPaths'],
      [
        {},
        { Mounts: [{ Type: 'bind', Source: '/x', Target: '/y', BindOptions: { NonRecursive: true } }] },
        'HostConfig.Mounts[0].BindOptions.NonRecursive',
      ],
      [
        {},
        { Mounts: [{ Type: 'volume', Target: '/y', VolumeOptions: { Subpath: 'a' } }] },
        'HostConfig.Mounts[0].VolumeOptions.Subpath',
      ],
      [{}, { DeviceCgroupRules: ['c 10:232 rwm'] }, 'HostConfig.DeviceCgroupRules'],
      [{}, { MemorySwappiness: 10 }, 'HostConfig.MemorySwappiness'],
      [{}, { PidMode: 'host' }, 'HostConfig.PidMode'],
      [{}, { Sysctls: { 'net.ipv4.ip_forward': '' } }, 'HostConfig.Sysctls'],
    ];
    for (const [config, hostConfig, field] of cases) {
      const e = apiError(() => toCreateRequest(body(config, hostConfig), null), field);
      expect([e.status, e.message]).toEqual([400, `container-saga does not support ${field}`]);
    }
  });

  it('Volumes: its paths go to the create (an anonymous volume each unless mounted otherwise)', () => {
    const req = toCreateRequest(body({ Volumes: { '/data': {}, '/srv': {} } }, { Binds: ['s:/srv'] }), null);
    expect(req.volumes).toEqual(['/data', '/srv']);
    expect(toCreateRequest(body({ Volumes: {} }), null).volumes).toBeUndefined();
  });

  it('Mounts and VolumesFrom: converted as the docker CLI sends them (values checked by the create)', () => {
    const req = toCreateRequest(
      body(
        {},
        {
          Mounts: [
            { Type: 'bind', Source: '/h', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rslave' } },
            { Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' } } },
            { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 }, Consistency: 'default' },
          ],
          VolumesFrom: ['data:ro'],
        },
      ),
      null,
    );
    expect(req.hostConfig?.Mounts).toEqual([
      { Type: 'bind', Source: '/h', Target: '/b', ReadOnly: true, BindOptions: { Propagation: 'rslave' } },
      { Type: 'volume', Source: 'v', Target: '/v', VolumeOptions: { NoCopy: true, Labels: { a: 'b' } } },
      { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 1048576, Mode: 0o1777 } },
    ]);
    expect(req.hostConfig?.VolumesFrom).toEqual(['data:ro']);
    const bad = apiError(() => toCreateRequest(body({}, { Mounts: [{ Type: 'bind', Target: '/y', Foo: 1 }] }), null));
    expect([bad.status, bad.message]).toEqual([
      400,
      'unknown field "HostConfig.Mounts[0].Foo" in the container configuration',
    ]);
    expect(apiError(() => toCreateRequest(body({}, { Mounts: {} }), null)).message).toBe(
      'invalid HostConfig.Mounts: want an array',
    );
  });

  it("a field that is not Docker's, at any level", () => {
    const top = apiError(() => toCreateRequest(body({ Imagee: 'busybox' }), null));
    expect([top.status, top.message]).toEqual([400, 'unknown field "Imagee" in the container configuration']);
    expect(apiError(() => toCreateRequest(body({}, { Privilegd: false }), null)).message).toBe(
      'unknown field "HostConfig.Privilegd" in the container configuration',
    );
    expect(apiError(() => toCreateRequest(body({}, { RestartPolicy: { Name: 'no', Max: 1 } }), null)).message).toBe(
      'unknown field "HostConfig.RestartPolicy.Max" in the container configuration',
    );
    const endpoint = body();
    endpoint.NetworkingConfig = { EndpointsConfig: { default: { Alias: null } } };
    expect(apiError(() => toCreateRequest(endpoint, null)).message).toBe(
      'unknown field "NetworkingConfig.EndpointsConfig.default.Alias" in the container configuration',
    );
    expect(apiError(() => toCreateRequest(body({ NetworkingConfig: { Endpoints: {} } }), null)).message).toBe(
      'unknown field "NetworkingConfig.Endpoints" in the container configuration',
    );
  });

  it("endpoints: aliases, links and --ip per network; the mode's own entry at zero asks for nothing", () => {
    const other = body({}, { NetworkMode: 'front' });
    other.NetworkingConfig = {
      EndpointsConfig: {
        front: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.150.0.9', IPv6Address: '' }, MacAddress: '' },
        back: {},
      },
    };
    expect(toCreateRequest(other, null).endpoints).toEqual({
      front: { Aliases: ['web'], IPAMConfig: { IPv4Address: '10.150.0.9' } },
      back: {},
    });
    const zero = body({}, { NetworkMode: 'bridge' });
    zero.NetworkingConfig = { EndpointsConfig: { bridge: { Aliases: null, IPAMConfig: null } } };
    expect(toCreateRequest(zero, null).endpoints).toBeUndefined();
    const def = body();
    def.NetworkingConfig = { EndpointsConfig: { default: { Aliases: ['x'] } } };
    // `default` names the mode's network: the host refuses an alias there (not user-defined)
    expect(toCreateRequest(def, null).endpoints).toEqual({ bridge: { Aliases: ['x'] } });
    const v6 = body({}, { NetworkMode: 'front' });
    v6.NetworkingConfig = { EndpointsConfig: { front: { IPAMConfig: { IPv6Address: 'fd00::2' } } } };
    expect(apiError(() => toCreateRequest(v6, null)).message).toBe(
      'container-saga does not support NetworkingConfig.EndpointsConfig.front.IPAMConfig.IPv6Address',
    );
    const host = body({}, { NetworkMode: 'host' });
    host.NetworkingConfig = { EndpointsConfig: { host: null } };
    expect(toCreateRequest(host, null).hostConfig?.NetworkMode).toBe('host');
    expect(toCreateRequest(host, null).endpoints).toBeUndefined();
  });

  it('a value of the wrong type names the field and what it wants', () => {
    expect(apiError(() => toCreateRequest(body({}, { Memory: '1g' }), null)).message).toBe(
      'invalid HostConfig.Memory: want an integer',
    );
    expect(apiError(() => toCreateRequest(body({}, { Memory: 1.5 }), null)).message).toBe(
      'invalid HostConfig.Memory: want an integer',
    );
    expect(apiError(() => toCreateRequest(body({ Cmd: 5 }), null)).message).toBe(
      'invalid Cmd: want an array of strings',
    );
    expect(apiError(() => toCreateRequest(body({ Env: ['A=1', 2] }), null)).message).toBe(
      'invalid Env: want an array of strings',
    );
    expect(apiError(() => toCreateRequest(body({ Labels: { a: 1 } }), null)).message).toBe(
      'invalid Labels: want an object of strings',
    );
    expect(apiError(() => toCreateRequest(body({ Tty: 'yes' }), null)).message).toBe('invalid Tty: want true or false');
    expect(apiError(() => toCreateRequest({ ...body(), HostConfig: [] }, null)).message).toBe(
      'invalid HostConfig: want an object',
    );
    expect(apiError(() => toCreateRequest(body({ ExposedPorts: { '80/http': {} } }), null)).message).toBe(
      'invalid port specification: "80/http"',
    );
    expect(apiError(() => toCreateRequest(body({ ExposedPorts: { '99999': {} } }), null)).message).toBe(
      'invalid port specification: "99999"',
    );
  });
});

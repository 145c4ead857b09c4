/** config/temporal-connection.ts: Temporal's profiles and TEMPORAL_* variables through @temporalio/envconfig. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../client/connection';
import { CliError } from '../../client/errors';
import { ConfigError, getConfig } from '../../config';
import {
  defaultConfigFile,
  describeTemporalConnection,
  loadTemporalConnection,
} from '../../config/temporal-connection';

let dir: string;
let file: string;
let cert: string;
let key: string;

const PROFILES = (certPath: string, keyPath: string) => `
[profile.default]
address = "temporal.internal:7233"
namespace = "containers"

[profile.cloud]
address = "<namespace>.<account>.tmprl.cloud:7233"
namespace = "<namespace>.<account>"
api_key = "secret-key-123"

[profile.mtls]
address = "<namespace>.<account>.tmprl.cloud:7233"
namespace = "<namespace>.<account>"
[profile.mtls.tls]
client_cert_path = "${certPath}"
client_key_path = "${keyPath}"

[profile.half]
address = "x:1"
[profile.half.tls]
client_cert_path = "${certPath}"

[profile.nofile]
address = "x:1"
[profile.nofile.tls]
client_cert_path = "${certPath}.absent"
client_key_path = "${keyPath}"
`;

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-envconfig-'));
  cert = path.join(dir, 'client.pem');
  key = path.join(dir, 'client.key');
  await fs.writeFile(cert, 'CERTIFICATE BYTES\n');
  await fs.writeFile(key, 'KEY BYTES\n');
  file = path.join(dir, 'temporal.toml');
  await fs.writeFile(file, PROFILES(cert, key));
});

afterAll(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('loadTemporalConnection', () => {
  it('with nothing set: the local dev server, no file, no TLS (the defaults TEMPORAL_ADDRESS/NAMESPACE always had)', () => {
    const c = loadTemporalConnection({});
    expect(c).toEqual({
      profile: 'default',
      configFile: undefined,
      address: 'localhost:7233',
      namespace: 'default',
      tls: 'off',
      apiKey: false,
      connectionOptions: { address: 'localhost:7233' },
    });
    expect(getConfig({})).toMatchObject({ address: 'localhost:7233', namespace: 'default' });
  });

  it('with HOME but no temporal.toml: the same defaults', async () => {
    const home = path.join(dir, 'empty-home');
    await fs.mkdir(home, { recursive: true });
    expect(loadTemporalConnection({ HOME: home })).toMatchObject({
      configFile: undefined,
      address: 'localhost:7233',
      namespace: 'default',
      tls: 'off',
    });
  });

  it('reads the default profile of ~/.config/temporalio/temporal.toml (XDG_CONFIG_HOME when absolute)', async () => {
    const home = path.join(dir, 'home');
    await fs.mkdir(path.join(home, '.config', 'temporalio'), { recursive: true });
    await fs.copyFile(file, path.join(home, '.config', 'temporalio', 'temporal.toml'));
    const c = loadTemporalConnection({ HOME: home });
    expect(c).toMatchObject({
      profile: 'default',
      configFile: path.join(home, '.config/temporalio/temporal.toml'),
      address: 'temporal.internal:7233',
      namespace: 'containers',
      tls: 'off',
    });
    expect(defaultConfigFile({ HOME: '/h', XDG_CONFIG_HOME: '/x' }, 'linux')).toBe('/x/temporalio/temporal.toml');
    expect(defaultConfigFile({ HOME: '/h', XDG_CONFIG_HOME: 'rel' }, 'linux')).toBeUndefined();
    expect(defaultConfigFile({ HOME: '/h' }, 'darwin')).toBe('/h/Library/Application Support/temporalio/temporal.toml');
  });

  it('TEMPORAL_CONFIG_FILE + TEMPORAL_PROFILE: a Cloud profile with an API key, which turns TLS on', () => {
    const c = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    expect(c).toMatchObject({
      profile: 'cloud',
      configFile: file,
      address: '<namespace>.<account>.tmprl.cloud:7233',
      namespace: '<namespace>.<account>',
      tls: 'on',
      apiKey: true,
    });
    expect(c.connectionOptions).toEqual({
      address: '<namespace>.<account>.tmprl.cloud:7233',
      tls: true,
      apiKey: 'secret-key-123',
    });
    // the banner line names the profile and TLS, never the key
    const line = describeTemporalConnection(c);
    expect(line).toBe(
      `Temporal <namespace>.<account>.tmprl.cloud:7233 namespace <namespace>.<account> (profile cloud of ${file}; TLS on; API key set)`,
    );
    expect(line).not.toContain('secret-key-123');
  });

  it('a profile with a client certificate and key loads both files (mTLS)', () => {
    const c = loadTemporalConnection({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'mtls' });
    expect(c.tls).toBe('mtls');
    expect(c.apiKey).toBe(false);
    const tls = c.connectionOptions.tls as { clientCertPair: { crt: Uint8Array; key: Uint8Array } };
    expect(Buffer.from(tls.clientCertPair.crt).toString()).toBe('CERTIFICATE BYTES\n');
    expect(Buffer.from(tls.clientCertPair.key).toString()).toBe('KEY BYTES\n');
    expect(describeTemporalConnection(c)).toMatch(/; TLS on \(client certificate\)\)$/);
  });

  it('the environment overrides the profile; an empty variable counts as unset', () => {
    const env = { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' };
    expect(loadTemporalConnection({ ...env, TEMPORAL_ADDRESS: 'other:7000', TEMPORAL_NAMESPACE: 'ns2' })).toMatchObject(
      { address: 'other:7000', namespace: 'ns2', tls: 'on' },
    );
    expect(loadTemporalConnection({ ...env, TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '' })).toMatchObject({
      address: '<namespace>.<account>.tmprl.cloud:7233',
      namespace: '<namespace>.<account>',
    });
    expect(loadTemporalConnection({ ...env, TEMPORAL_API_KEY: 'k2' }).connectionOptions.apiKey).toBe('k2');
    // TLS off explicitly wins over the API key's default
    expect(loadTemporalConnection({ ...env, TEMPORAL_TLS: 'false' })).toMatchObject({
      tls: 'off',
      connectionOptions: { tls: false },
    });
    expect(getConfig({ ...env, TEMPORAL_NAMESPACE: 'ns3' })).toMatchObject({
      address: '<namespace>.<account>.tmprl.cloud:7233',
      namespace: 'ns3',
    });
  });

  it('TEMPORAL_API_KEY alone (no file) turns TLS on; TEMPORAL_TLS=true alone too; client cert and key from the environment', () => {
    expect(loadTemporalConnection({ TEMPORAL_ADDRESS: 'h:7233', TEMPORAL_API_KEY: 'k' })).toMatchObject({
      tls: 'on',
      apiKey: true,
      connectionOptions: { address: 'h:7233', tls: true, apiKey: 'k' },
    });
    expect(loadTemporalConnection({ TEMPORAL_TLS: 'true' })).toMatchObject({ tls: 'on', apiKey: false });
    expect(
      loadTemporalConnection({
        TEMPORAL_TLS: '1',
        TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
        TEMPORAL_TLS_CLIENT_KEY_PATH: key,
      }).tls,
    ).toBe('mtls');
  });

  it('gRPC metadata from TEMPORAL_GRPC_META_*', () => {
    expect(loadTemporalConnection({ TEMPORAL_GRPC_META_TENANT: 'blue' }).connectionOptions.metadata).toEqual({
      tenant: 'blue',
    });
  });

  it('a file without profiles is only the environment', async () => {
    const empty = path.join(dir, 'empty.toml');
    await fs.writeFile(empty, '# nothing yet\n');
    expect(loadTemporalConnection({ TEMPORAL_CONFIG_FILE: empty, TEMPORAL_ADDRESS: 'a:1' })).toMatchObject({
      address: 'a:1',
      namespace: 'default',
      configFile: empty,
    });
  });

  it.each<[string, () => NodeJS.ProcessEnv, RegExp]>([
    [
      'a TOML syntax error',
      () => ({ TEMPORAL_CONFIG_FILE: path.join(dir, 'bad.toml') }),
      /^cannot parse Temporal config file .*bad\.toml: \S/,
    ],
    [
      'TEMPORAL_CONFIG_FILE naming no file',
      () => ({ TEMPORAL_CONFIG_FILE: path.join(dir, 'absent.toml') }),
      /^TEMPORAL_CONFIG_FILE: cannot read .*absent\.toml: no such file$/,
    ],
    [
      'TEMPORAL_CONFIG_FILE naming a directory',
      () => ({ TEMPORAL_CONFIG_FILE: dir }),
      /^TEMPORAL_CONFIG_FILE: cannot read .*: EISDIR/,
    ],
    [
      'a profile not in the file',
      () => ({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' }),
      /^TEMPORAL_PROFILE: profile "prod" is not in Temporal config file .*temporal\.toml$/,
    ],
    [
      'a profile and no file at all',
      () => ({ HOME: path.join(dir, 'nowhere'), TEMPORAL_PROFILE: 'prod' }),
      /^TEMPORAL_PROFILE: profile "prod" is not in no Temporal config file \(looked for .*nowhere\/\.config\/temporalio\/temporal\.toml\)$/,
    ],
    [
      'a certificate without its key',
      () => ({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'half' }),
      /^profile "half": a TLS client certificate needs its key and the reverse; the client key \(tls\.client_key_path, TEMPORAL_TLS_CLIENT_KEY_PATH\) is missing$/,
    ],
    [
      'a certificate file that is not there',
      () => ({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'nofile' }),
      /^profile "nofile": cannot read a TLS file: ENOENT: no such file or directory, open '.*client\.pem\.absent'$/,
    ],
    [
      'TEMPORAL_TLS not a boolean',
      () => ({ TEMPORAL_TLS: 'yes' }),
      /^TEMPORAL_TLS must be true, false, 1 or 0 \(got "yes"\)$/,
    ],
  ])('%s fails with a ConfigError naming it', async (_case, env, message) => {
    await fs.writeFile(path.join(dir, 'bad.toml'), '[profile.default]\naddress = "unterminated\n');
    expect(() => loadTemporalConnection(env())).toThrow(ConfigError);
    expect(() => loadTemporalConnection(env())).toThrow(message);
    // through getConfig: only the Temporal fields fail; the rest of the configuration is read
    const config = getConfig(env());
    expect(() => config.address).toThrow(message);
    expect(config.taskQueue).toBe('container-saga');
  });
});

describe('connect (the CLI and the Engine API)', () => {
  it('an unreachable plaintext server: the address and the dev server hint', async () => {
    const err = await connect({ TEMPORAL_ADDRESS: '127.0.0.1:1' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toBe('cannot reach Temporal at 127.0.0.1:1 (is `npm run server` running?)');
  });

  it('an unreachable server over TLS (API key): the address and the cause, not the key', async () => {
    const err = await connect({ TEMPORAL_ADDRESS: '127.0.0.1:1', TEMPORAL_API_KEY: 'secret-key-123' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).message).toMatch(/^cannot reach Temporal at 127\.0\.0\.1:1 \(over TLS: .+\)$/);
    expect((err as CliError).message).not.toContain('secret-key-123');
  });

  it('a bad profile: the ConfigError, before any connection', async () => {
    await expect(connect({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'prod' })).rejects.toThrow(
      /^TEMPORAL_PROFILE: profile "prod"/,
    );
  });
});

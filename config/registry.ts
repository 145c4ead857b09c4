import { ConfigError } from './config-error';

/**
 * Where a worker's pulls go (registry/client.ts): the registries allowed over plain HTTP besides loopback
 * (Docker's `--insecure-registry`), and the base URL that serves Docker Hub's images (a mirror; the project
 * names no registry host of its own). Read per pull, so a changed variable needs no restart of the reader.
 */

export type RegistryVariable = 'CONTAINER_SAGA_INSECURE_REGISTRIES' | 'CONTAINER_SAGA_REGISTRY_MIRROR';

export interface RegistrySettings {
  /** CONTAINER_SAGA_INSECURE_REGISTRIES: host[:port] or IPv4 CIDR entries, comma-separated */
  readonly insecureRegistries: readonly string[];
  /** CONTAINER_SAGA_REGISTRY_MIRROR: an http(s) base URL used for the default registry's images */
  readonly mirror: string | undefined;
}

export function registrySettings(env: NodeJS.ProcessEnv = process.env): RegistrySettings {
  const v = (name: RegistryVariable) => env[name] || undefined;
  const insecureRegistries = (v('CONTAINER_SAGA_INSECURE_REGISTRIES') ?? '')
    .split(',')
    .map((e) => e.trim())
    .filter(Boolean);
  const mirror = v('CONTAINER_SAGA_REGISTRY_MIRROR');
  if (mirror !== undefined) {
    let url: URL | undefined;
    try {
      url = new URL(mirror);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
      throw new ConfigError(`CONTAINER_SAGA_REGISTRY_MIRROR must be an http(s) URL (got "${mirror}")`);
  }
  return { insecureRegistries, mirror };
}

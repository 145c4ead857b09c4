import { ContainerError } from '../common/errors';
import type { PullAuth } from '../common/pull-api';
import { registrySettings, type RegistrySettings } from '../config/registry';
import { LayerBreakoutError, LayerCompressionError, LayerDigestError, LayerFormatError } from '../layers/errors';
import { RegistryClient } from '../registry/client';
import { credentialsFromDockerConfig, readDockerConfig } from '../registry/credentials';
import { allowsPlainHttp } from '../registry/endpoint';
import { RegistryError } from '../registry/errors';
import { DEFAULT_DOMAIN, parseReference, type ImageReference } from '../registry/reference';

/**
 * A pull's registry client: the reference parsed first (Docker's 400 before any connection), credentials from
 * the request (X-Registry-Auth) else the worker user's ~/.docker/config.json, the default registry's images
 * from CONTAINER_SAGA_REGISTRY_MIRROR.
 */
export function registryFor(
  reference: string,
  auth: PullAuth | undefined,
  settings: RegistrySettings = registrySettings(),
): { ref: ImageReference; client: RegistryClient } {
  const ref = asContainerError(() => parseReference(reference));
  const credentials = auth ?? asContainerError(() => credentialsFromDockerConfig(readDockerConfig(), ref.domain));
  let insecure = settings.insecureRegistries;
  let endpoint: string | undefined;
  if (ref.domain === DEFAULT_DOMAIN) {
    if (!settings.mirror)
      throw new ContainerError(
        'InvalidParameter',
        `no endpoint for ${DEFAULT_DOMAIN}: set CONTAINER_SAGA_REGISTRY_MIRROR to the base URL of a registry that serves its images`,
      );
    endpoint = settings.mirror;
    // plain HTTP is judged by the mirror's own host, as for any other registry
    if (allowsPlainHttp(new URL(endpoint).host, insecure)) insecure = [...insecure, DEFAULT_DOMAIN];
  }
  return { ref, client: new RegistryClient(ref.domain, { credentials, insecureRegistries: insecure, endpoint }) };
}

/** A registry's or a layer's error as the Docker error a pull fails with; a dropped connection is retryable. */
export function pullError(err: unknown): unknown {
  if (err instanceof RegistryError) {
    switch (err.kind) {
      case 'InvalidReference':
      case 'InvalidParameter':
        return new ContainerError('InvalidParameter', err.message);
      case 'NotFound':
      case 'NoMatchingPlatform':
        return new ContainerError('NoSuchImage', err.message);
      case 'Unauthorized':
        return new ContainerError('Forbidden', err.message);
      case 'Transport':
        return new ContainerError('Internal', err.message, { retryable: true });
      default:
        return new ContainerError('Internal', err.message, { retryable: false });
    }
  }
  if (
    err instanceof LayerDigestError ||
    err instanceof LayerBreakoutError ||
    err instanceof LayerFormatError ||
    err instanceof LayerCompressionError
  )
    return new ContainerError('Internal', err.message, { retryable: false });
  return err;
}

function asContainerError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    throw pullError(err);
  }
}

/**
 * The registry client's one error type. `kind` lets the pull workflow classify it later (retry a dropped
 * connection, never a digest mismatch); `status` is the Engine API's status for it (an invalid reference is a
 * 400 there, as in Docker). Messages are Docker's own where Docker has one.
 */
export const RegistryErrorKind = {
  InvalidReference: 'InvalidReference',
  InvalidParameter: 'InvalidParameter',
  Config: 'Config',
  Unauthorized: 'Unauthorized',
  NotFound: 'NotFound',
  NoMatchingPlatform: 'NoMatchingPlatform',
  BadManifest: 'BadManifest',
  DigestMismatch: 'DigestMismatch',
  Insecure: 'Insecure',
  Transport: 'Transport',
} as const;
export type RegistryErrorKind = (typeof RegistryErrorKind)[keyof typeof RegistryErrorKind];

const STATUS: Record<RegistryErrorKind, number> = {
  InvalidReference: 400,
  InvalidParameter: 400,
  Config: 500,
  Unauthorized: 401,
  NotFound: 404,
  NoMatchingPlatform: 404,
  BadManifest: 500,
  DigestMismatch: 500,
  Insecure: 500,
  Transport: 500,
};

/** A dropped connection or a 5xx may pass on retry; everything else is an answer. */
const RETRYABLE: ReadonlySet<RegistryErrorKind> = new Set(['Transport']);

export class RegistryError extends Error {
  readonly kind: RegistryErrorKind;
  readonly status: number;
  readonly retryable: boolean;
  constructor(kind: RegistryErrorKind, message: string, opts: { cause?: unknown; retryable?: boolean } = {}) {
    super(message);
    this.name = 'RegistryError';
    this.kind = kind;
    this.status = STATUS[kind];
    this.retryable = opts.retryable ?? RETRYABLE.has(kind);
    if (opts.cause !== undefined) (this as { cause?: unknown }).cause = opts.cause;
  }
}

// Docker's texts (distribution/reference and the daemon's pull code).
export const Msg = {
  invalidFormat: 'invalid reference format',
  uppercase: 'invalid reference format: repository name must be lowercase',
  tooLong: 'repository name must not be more than 255 characters',
  hexName: (s: string) => `invalid repository name (${s}), cannot specify 64-byte hexadecimal strings`,
  layerVerification: (digest: string) => `filesystem layer verification failed for digest ${digest}`,
  manifestVerification: (digest: string) => `manifest verification failed for digest ${digest}`,
  noPlatform: (platform: string) => `no matching manifest for ${platform} in the manifest list entries`,
} as const;

import { existsSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { getConfig } from '../config';
import { AesGcmCodec } from './aes-gcm-codec';
import { readKeyFile } from './key-file';

/** The payload codec the environment configures, and where its keys came from. */
export interface LoadedCodec {
  codec: AesGcmCodec;
  /** the key file read, or the default one that does not exist */
  file: string;
  /** false when no key file exists at the default place: payloads go out in plaintext */
  encrypting: boolean;
}

/**
 * The codec of CONTAINER_SAGA_CODEC_KEYS's key file, else of `<state root>/codec-keys.json`. A file the
 * variable names must exist and be valid (a KeyFileError otherwise, at start-up); when the variable is unset
 * and the default file does not exist, encryption is off: payloads are sent as they are, and an encrypted
 * one fails to decode with an error naming its key ID and the variable.
 */
export function loadCodec(env: NodeJS.ProcessEnv = process.env): LoadedCodec {
  const { file, explicit } = getConfig(env).codecKeys;
  if (!explicit && !existsSync(file)) {
    return {
      codec: new AesGcmCodec([], `any key file (there is none at ${file}, and CONTAINER_SAGA_CODEC_KEYS is unset)`),
      file,
      encrypting: false,
    };
  }
  const source = explicit
    ? `the key file ${file} (CONTAINER_SAGA_CODEC_KEYS)`
    : `the key file ${file} (the default; CONTAINER_SAGA_CODEC_KEYS is unset)`;
  return { codec: new AesGcmCodec(readKeyFile(file), source), file, encrypting: true };
}

/** For Client and Worker options: the SDK's default converters, then the codec on the wire. */
export function dataConverterOf(loaded: LoadedCodec): DataConverter {
  return { payloadCodecs: [loaded.codec] };
}

/** The data converter the environment configures (loadCodec): what every client and worker is given. */
export function codecDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return dataConverterOf(loadCodec(env));
}

/** One line for a process's start-up log. */
export function describeCodec(loaded: LoadedCodec): string {
  return loaded.encrypting
    ? `payloads encrypted (AES-256-GCM, key ${loaded.codec.encryptingKeyId}) with keys from ${loaded.file}`
    : `payloads NOT encrypted: no key file at ${loaded.file} (\`npm run codec-key\` creates one; or set CONTAINER_SAGA_CODEC_KEYS)`;
}

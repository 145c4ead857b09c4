import { existsSync } from 'node:fs';
import type { DataConverter } from '@temporalio/common';
import { getConfig } from '../config';
import { AesGcmCodec } from './aes-gcm-codec';
import { ensureKeyFile, KeyFileError, readKeyFile, type CodecKey } from './key-file';

/** The payload codec the environment configures, and where its keys came from. */
export interface LoadedCodec {
  /** client mode (codec/aes-gcm-codec.ts); createWorker gives its Workers the worker mode of the same keys */
  codec: AesGcmCodec;
  /** the key file read */
  file: string;
  keys: readonly CodecKey[];
  /** this start created the key file (a worker's first start) */
  created: boolean;
}

/** What a client without a key file is told: workers refuse plaintext, so it refuses to send any. */
export function noKeyFileMessage(file: string, explicit: boolean): string {
  return (
    `no key file at ${file}${explicit ? ' (CONTAINER_SAGA_CODEC_KEYS)' : ''}: workers accept only encrypted ` +
    `payloads, so nothing is sent. Copy the key file a worker created (its start-up log names it; by default ` +
    `<state root>/codec-keys.json on the worker's host) to ${file}, mode 0600, or set CONTAINER_SAGA_CODEC_KEYS to it`
  );
}

/**
 * The codec of CONTAINER_SAGA_CODEC_KEYS's key file, else of `<state root>/codec-keys.json`. The file must exist
 * and be valid: a KeyFileError naming the file and the fix otherwise, at start-up. With `create` (a worker), a
 * missing file is created first (one new key, mode 0600, directory 0700).
 */
export function loadCodec(env: NodeJS.ProcessEnv = process.env, opts: { create?: boolean } = {}): LoadedCodec {
  const { file, explicit } = getConfig(env).codecKeys;
  const created = opts.create === true && ensureKeyFile(file);
  if (!existsSync(file)) throw new KeyFileError(noKeyFileMessage(file, explicit));
  const source = explicit
    ? `the key file ${file} (CONTAINER_SAGA_CODEC_KEYS)`
    : `the key file ${file} (the default; CONTAINER_SAGA_CODEC_KEYS is unset)`;
  const keys = readKeyFile(file);
  return { codec: new AesGcmCodec(keys, source), file, keys, created };
}

/** For Client options (and createWorker, which derives its Workers' from it): the SDK's converters, then the codec. */
export function dataConverterOf(loaded: LoadedCodec): DataConverter {
  return { payloadCodecs: [loaded.codec] };
}

/** The data converter the environment configures (loadCodec): what every client is given. */
export function codecDataConverter(env: NodeJS.ProcessEnv = process.env): DataConverter {
  return dataConverterOf(loadCodec(env));
}

/**
 * A Worker's data converter: the clients' one with its AesGcmCodec in worker mode. A converter without it is
 * refused: every worker requires encryption.
 */
export function workerDataConverter(client: DataConverter | undefined): DataConverter {
  const codecs = client?.payloadCodecs ?? [];
  if (!codecs.some((c) => c instanceof AesGcmCodec))
    throw new KeyFileError('a worker requires the payload codec (codec/load.ts loadCodec): it never runs unencrypted');
  return { ...client, payloadCodecs: codecs.map((c) => (c instanceof AesGcmCodec ? c.forWorker() : c)) };
}

/** One line for a process's start-up log. */
export function describeCodec(loaded: LoadedCodec, role: 'client' | 'worker' = 'client'): string {
  const retired = loaded.keys.filter((k) => k.retired).length;
  const keys = `${loaded.keys.length} key${loaded.keys.length === 1 ? '' : 's'}${retired ? `, ${retired} retired` : ''}`;
  const line = `payloads encrypted (AES-256-GCM, key ${loaded.codec.encryptingKeyId}; ${keys}) with keys from ${loaded.file}`;
  return role === 'worker' ? `${line}; plaintext, unknown-key and retired-key payloads refused` : line;
}

/** What a worker prints after creating the key file: where it is and how clients get it. */
export function createdKeyFileHelp(file: string): string[] {
  return [
    `created the payload key file ${file} (mode 0600): clients must hold it to start anything here.`,
    `  copy it to each host that runs the CLI, the Engine API or the codec server (same path, or set CONTAINER_SAGA_CODEC_KEYS), mode 0600`,
  ];
}

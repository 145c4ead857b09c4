/** A layer entry that would land outside the directory it is applied to (Docker's breakoutError). */
export class LayerBreakoutError extends Error {
  override name = 'LayerBreakoutError';
}

/** A layer compressed with a format this Node cannot decompress. */
export class LayerCompressionError extends Error {
  override name = 'LayerCompressionError';
}

/** A tar stream that does not parse (bad checksum, truncated, unknown header). */
export class LayerFormatError extends Error {
  override name = 'LayerFormatError';
}

/** A layer whose uncompressed digest is not the diffID the image config names. */
export class LayerDigestError extends Error {
  override name = 'LayerDigestError';
}

/** A lowerdir asked for a layer the store lacks, or for more layers than one mount can take. */
export class LayerStoreError extends Error {
  override name = 'LayerStoreError';
}

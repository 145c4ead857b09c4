import fc from 'fast-check';

/**
 * Hostile values, shared by the fuzz targets: path tricks, NUL bytes, unicode (combining marks, RTL override,
 * astral planes, lone surrogates), number edge cases, huge strings, and JSON of the wrong type.
 */

const TRICKS = [
  '',
  ' ',
  '..',
  '../..',
  '../../../etc/passwd',
  '/',
  '//',
  '/..',
  '.',
  './x',
  'a/../../b',
  '%2F',
  '..%2F..',
  '%00',
  '\0',
  'a\0b',
  '/tmp\0/x',
  '\u202e',
  '\ud800',
  'é',
  'e\u0301',
  '💥',
  '𝔘𝔫𝔦',
  '中文',
  '\n',
  '\r\n',
  '\t',
  '-1',
  '-0',
  '0',
  '1e309',
  '9'.repeat(30),
  'NaN',
  'Infinity',
  '__proto__',
  'constructor',
  'toString',
  ':',
  '::',
  ':::',
  '=',
  '==',
  'a=b',
  'a:b:c:d',
  'container:',
  'container:..',
  '${HOME}',
  '$(id)',
  '`id`',
  '*',
  '?',
  '[',
  'C:\\x',
  '\\\\?\\x',
];

/** Strings a client should never get past the checks with, mixed with ordinary ones. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...TRICKS) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ maxLength: 20 }) },
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(...TRICKS), fc.string({ maxLength: 10 }), fc.constantFrom(...TRICKS))
      .map((p) => p.join('')),
  },
  { weight: 1, arbitrary: fc.integer({ min: 4_000, max: 70_000 }).map((n) => 'x'.repeat(n)) },
);

/** Numbers at the edges: negative, zero, fractions, beyond 2^53, the largest finite double. */
export const hostileNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(
    -1,
    0,
    -0,
    0.5,
    -0.5,
    1,
    2 ** 31,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 63),
    2 ** 64,
    1e308,
    -1e308,
    Number.MIN_VALUE,
  ),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Any JSON value, leaning to the hostile ones. */
export const hostileJson: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: hostileString },
  { weight: 2, arbitrary: hostileNumber },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      null,
      true,
      false,
      [],
      {},
      [null],
      { '': null },
      [''],
      JSON.parse('{"__proto__": {"polluted": 1}}'),
    ),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.array(hostileString, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.dictionary(hostileString, hostileString, { maxKeys: 3 }) },
);

/**
 * An object shaped like `fields` (the `required` ones always there, the others now and then), valid, then up to
 * two of its fields replaced by hostile JSON or left out, and now and then an extra field: inputs near the valid
 * ones reach deeper than random JSON, and about a third stay valid.
 */
export function nearly(
  fields: Record<string, fc.Arbitrary<unknown>>,
  required: string[] = [],
): fc.Arbitrary<Record<string, unknown>> {
  const keys = Object.keys(fields);
  const mutation = fc.tuple(
    fc.constantFrom(...keys),
    fc.oneof({ weight: 4, arbitrary: hostileJson }, { weight: 1, arbitrary: fc.constant(undefined) }),
  );
  return fc
    .tuple(
      fc.record(fields, { requiredKeys: required }),
      fc.array(mutation, { maxLength: 2 }),
      fc.option(fc.tuple(hostileString, hostileJson), { freq: 8 }),
    )
    .map(([valid, mutations, extra]) => {
      const o: Record<string, unknown> = { ...valid };
      for (const [k, v] of mutations) {
        if (v === undefined) delete o[k];
        else o[k] = v;
      }
      return extra ? { ...o, [extra[0]]: extra[1] } : o;
    });
}

/** A hostile value or one that is nearly right: for a field of the given valid values. */
export const orHostile = <T>(valid: fc.Arbitrary<T>): fc.Arbitrary<unknown> =>
  fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: hostileJson });

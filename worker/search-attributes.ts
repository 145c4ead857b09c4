import type { NativeConnection } from '@temporalio/worker';
import { SearchAttributeTypes } from '../common/names';

/** The Temporal CLI's name of each indexed type, and the API's number for it. */
const INDEXED_TYPES = { Keyword: 2, Int: 3 } as const;
export type SearchAttributeKind = keyof typeof INDEXED_TYPES;

export class SearchAttributesMissing extends Error {
  override name = 'SearchAttributesMissing';
}

/** The `temporal` commands an operator runs to register what is missing. */
export function registerCommands(namespace: string, missing: Record<string, SearchAttributeKind>): string[] {
  return Object.entries(missing).map(
    ([name, kind]) =>
      `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${kind}`,
  );
}

type Operator = Pick<NativeConnection['operatorService'], 'listSearchAttributes' | 'addSearchAttributes'>;

/**
 * Makes sure the namespace knows the workflows' search attributes before the worker polls: without them every
 * start would fail its workflow task (BadSearchAttributes) and wait forever, invisible to the client. Missing
 * ones are registered when the server lets this connection (a dev server, a self-hosted cluster with
 * operator rights); otherwise start-up fails naming the commands to run. Returns the names it registered.
 */
/**
 * `wanted`: every custom search attribute the workflows set, with its type (a workflow setting an unknown one is
 * stuck).
 */
export async function ensureSearchAttributes(
  operator: Operator,
  namespace: string,
  wanted: Record<string, SearchAttributeKind> = SearchAttributeTypes,
): Promise<string[]> {
  const { customAttributes } = await operator.listSearchAttributes({ namespace });
  const missing = Object.fromEntries(Object.entries(wanted).filter(([name]) => customAttributes?.[name] === undefined));
  const names = Object.keys(missing);
  if (names.length === 0) return [];
  try {
    await operator.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(names.map((n) => [n, INDEXED_TYPES[missing[n]!]])),
    });
    // Registration reaches the frontend's cache shortly after: wait until the namespace lists them.
    for (let tries = 0; tries < 50; tries++) {
      const listed = (await operator.listSearchAttributes({ namespace })).customAttributes ?? {};
      if (names.every((n) => listed[n] !== undefined)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
  } catch (err) {
    throw new SearchAttributesMissing(
      `namespace ${namespace} lacks the search attributes ${names.join(', ')} and this worker may not add them ` +
        `(${err instanceof Error ? err.message : String(err)}); register them, then start the worker again:\n  ` +
        registerCommands(namespace, missing).join('\n  '),
    );
  }
  return names;
}

import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import { SearchAttributeNames as N } from './names';

/**
 * The typed keys of the project's search attributes (names and meaning in common/names.ts), shared by the
 * clients that set them at start and the workflows that upsert them. Workflow-safe.
 */
export const SearchKeys = {
  containerId: defineSearchAttributeKey(N.containerId, SearchAttributeType.KEYWORD),
  containerName: defineSearchAttributeKey(N.containerName, SearchAttributeType.KEYWORD),
  image: defineSearchAttributeKey(N.image, SearchAttributeType.KEYWORD),
  failedStep: defineSearchAttributeKey(N.failedStep, SearchAttributeType.KEYWORD),
  errorType: defineSearchAttributeKey(N.errorType, SearchAttributeType.KEYWORD),
  containerState: defineSearchAttributeKey(N.containerState, SearchAttributeType.KEYWORD),
  restartCount: defineSearchAttributeKey(N.restartCount, SearchAttributeType.INT),
} as const;

/** The monitor's ContainerState values. */
export const MonitoredState = { running: 'running', restarting: 'restarting' } as const;

/** What identifies a container in visibility: ID, name and image, each only when known. */
export function containerAttributes(c: { id?: string; name?: string; image?: string }): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [];
  if (c.id) pairs.push({ key: SearchKeys.containerId, value: c.id });
  if (c.name) pairs.push({ key: SearchKeys.containerName, value: c.name });
  if (c.image) pairs.push({ key: SearchKeys.image, value: c.image });
  return pairs;
}

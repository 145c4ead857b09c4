import { ContainerError } from '../common/errors';
import { pinnedHostOf } from '../common/host-pin';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import { toFailure } from './to-failure';

/**
 * Refuses, non-retryable, a step pinned to another host (common/host-pin.ts): the start then fails
 * HostUnavailable rather than this worker touching its own store for another host's container.
 */
export function hostPinInterceptor(host: string): ActivityInterceptorsFactory {
  return () => ({
    inbound: {
      async execute(input, next) {
        const pinned = pinnedHostOf(input.headers);
        if (pinned !== undefined && pinned !== host) {
          throw toFailure(
            new ContainerError(
              'HostUnavailable',
              `host ${pinned} is unavailable: its step reached a worker of host ${host} (the owner's worker left mid-task)`,
            ),
          );
        }
        return next(input);
      },
    },
  });
}

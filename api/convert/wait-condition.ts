import type { WaitCondition } from '../../common/ops-api';
import { badRequest } from '../http';

const CONDITIONS: readonly WaitCondition[] = ['not-running', 'next-exit', 'removed'];

/** POST /containers/{id}/wait's `condition`: absent or empty is not-running; anything else Docker's 400. */
export function waitCondition(value: string | null): WaitCondition {
  if (value === null || value === '') return 'not-running';
  if ((CONDITIONS as readonly string[]).includes(value)) return value as WaitCondition;
  throw badRequest(`invalid condition: "${value}"`);
}

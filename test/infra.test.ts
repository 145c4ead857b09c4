import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { describe, expect, inject, it } from 'vitest';
import { SearchAttributeTypes } from '../common/names';

// The Temporal servers the suite runs on, as the project installs them (no download from the SDK).

// temporal.api.enums.v1.IndexedValueType: KEYWORD 2, INT 3 (the proto package is not a dependency)
const INDEXED = { Keyword: 2, Int: 3 } as const;

describe('dev server from test/global-setup.ts', () => {
  it('answers getSystemInfo and has every search attribute of common/names.ts registered with its type', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^\d+\.\d+/);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      const registered = Object.fromEntries(Object.keys(SearchAttributeTypes).map((n) => [n, customAttributes?.[n]]));
      expect(registered).toEqual({
        ContainerId: 2,
        ContainerName: 2,
        Image: 2,
        FailedStep: 2,
        ErrorType: 2,
        ContainerState: 2,
        RestartCount: 3,
      });
      expect(registered).toEqual(
        Object.fromEntries(Object.entries(SearchAttributeTypes).map(([n, t]) => [n, INDEXED[t]])),
      );
    } finally {
      await connection.close();
    }
  });
});

describe('time-skipping test server from the installer', () => {
  it('starts from its existing path, skips a day of time, and tears down', async () => {
    const env = await TestWorkflowEnvironment.createTimeSkipping({
      server: { executable: { type: 'existing-path', path: inject('testServerPath') } },
    });
    try {
      expect(env.supportsTimeSkipping).toBe(true);
      const before = await env.currentTimeMs();
      const started = Date.now();
      await env.sleep('1 day');
      expect((await env.currentTimeMs()) - before).toBeGreaterThanOrEqual(24 * 3600 * 1000);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      await env.teardown();
    }
  });
});

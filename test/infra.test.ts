import { Connection } from '@temporalio/client';
import { describe, expect, inject, it } from 'vitest';

// The real Temporal server the suite runs on: installed by the project, with the saga's search attributes.
describe('Temporal dev server from the project installer', () => {
  it('answers and has ContainerId and ContainerName registered as Keyword', async () => {
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    try {
      const info = await connection.workflowService.getSystemInfo({});
      expect(info.serverVersion).toMatch(/^1\.\d+/);
      const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
      // 2 = INDEXED_VALUE_TYPE_KEYWORD
      expect(customAttributes?.ContainerId).toBe(2);
      expect(customAttributes?.ContainerName).toBe(2);
    } finally {
      await connection.close();
    }
  });
});

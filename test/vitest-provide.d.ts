// Types of what test/global-setup.ts provides, so inject('temporalAddress') etc. are typed in test files.
import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** host:port of the shared dev server (or TEMPORAL_TEST_ADDRESS), with ContainerId/ContainerName registered */
    temporalAddress: string;
    /** the time-skipping test server binary, for `executable: { type: 'existing-path', path }` */
    testServerPath: string;
    /** the Temporal CLI binary */
    temporalCliPath: string;
  }
}

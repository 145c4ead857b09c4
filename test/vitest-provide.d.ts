import 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    /** address of the dev server started by test/global-setup.ts */
    temporalAddress: string;
    /** the time-skipping test server binary */
    testServerPath: string;
    /** the Temporal CLI binary */
    temporalCliPath: string;
  }
}

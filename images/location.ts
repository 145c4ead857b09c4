import path from 'node:path';

/** Where a state root keeps its images (images/store.ts). */
export const imageStoreRoot = (stateRoot: string) => path.join(stateRoot, 'image-store');

// The worker's workflowsPath: every workflow type, registered under its function name (common/names.ts).
export { containerStart } from './container-start';
export * from './ops';
export { containerMonitor } from './monitor';
export * from './lifecycle';
export * from './verbs';
export { containerReads } from './reads';
export { containerHosts } from './hosts';
export { imageSave, imageLoad } from './image-archive';
export * from './image-verbs';
export * from './network-verbs';
export { imagePull } from './image-pull';
export * from './volume-verbs';
export * from './container-verbs';

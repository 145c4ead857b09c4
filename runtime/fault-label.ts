/**
 * The label that carries a container's fault plan (runtime/faults.ts). The runtime refuses it at create
 * unless its worker allows fault injection, so it knows the label's name, never the injector.
 */
export const FAULT_LABEL = 'container-saga.faults';

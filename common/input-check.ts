import { ARCHIVE_OPS } from './archive-api';
import { ContainerError } from './errors';
import { PULL_AUTH_FIELDS } from './pull-api';
import { READ_NAMES } from './reads-api';
import { HOST_NAME } from './hosts-api';
import { endpointConfig, ipamPool, networkCreateRequest } from './network-input-check';
import { updateResources } from './resource-input-check';
import { createRequest, hostConfig, imageName } from './create-input-check';
export { isImageName } from './create-input-check';
import { isFullId } from './names';
import {
  bool,
  int,
  invalid,
  isObject,
  list,
  map,
  nonNegative,
  obj,
  oneOf,
  opt,
  req,
  str,
  type Check,
} from './value-checks';

/**
 * The shape of what clients send to the workflows, checked before anything runs. Any Temporal client can start a
 * workflow by type name with any JSON (`temporal workflow start --type containerCreate --input …`): without
 * this, `null` or a string where an object belongs throws a TypeError in workflow code, which fails the
 * workflow task, and Temporal retries that task for ever (a stuck workflow); in an activity it is retried and
 * ends as an Internal 500; a number where a string belongs can reach the container's record. Here each field
 * is checked for its type (and NUL bytes, which no name, path, command or environment can hold), and a
 * malformed input is Docker's InvalidParameter (400) naming the field. What the values mean (modes, sizes,
 * names) is still decided where it was: the runtime's create checks, the lookup, the parsers.
 *
 * Deterministic and Node-free: the workflows call it (workflows/failures.ts checkInput) as their first line,
 * and the activities that take client input call it too.
 */

/** Docker's local image names (a path component under images/, so never `..`). */
/** A full container ID (64 hex digits): what a workflow given an ID rather than a reference takes. */
const fullId: Check = (v, path) => {
  str(v, path);
  if (!isFullId(v as string)) throw invalid(path, 'want a full container ID (64 hex digits)');
};

/** A host name (common/hosts-api.ts): where a container is pinned, or whose work a workflow does. */
const hostName: Check = (v, path) => {
  str(v, path);
  if (!HOST_NAME.test(v as string))
    throw invalid(
      path,
      `invalid host name ${JSON.stringify(v)}: want [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 63 characters`,
    );
};

/** A container reference (name, ID or prefix): resolved by the lookup, which answers NoSuchContainer. */
const ref = req(str);

/**
 * Each workflow's input (common/ops-api.ts, verbs-api.ts, start-api.ts, monitor-api.ts), by workflow type.
 * Workflows without input (containerGc, containerRestore, imageList) ignore what they are given.
 */
const INPUTS = {
  containerStart: obj({ container: ref, hostConfig: opt(hostConfig) }),
  containerCreate: obj({ request: req(createRequest), host: opt(hostName) }),
  containerInspect: obj({ container: ref }),
  containerList: obj({ all: req(bool) }),
  // `events --host NAME`: that host's log (each host keeps its own, with its own cursor)
  containerEvents: obj({ since: req(int(0)), limit: opt(int(0)), host: opt(hostName) }),
  containerLogs: obj({
    container: ref,
    cursor: opt(int(0)),
    tail: opt(int(0)),
    since: opt(nonNegative),
    timestamps: opt(bool),
    limit: opt(int(0)),
  }),
  containerStop: obj({ container: ref, timeoutSeconds: req(int()) }),
  containerRemove: obj({ container: ref, force: req(bool), volumes: opt(bool) }),
  imageImport: obj({ name: req(imageName), source: req(str), host: opt(hostName) }),
  imageSave: obj({ images: req(list(imageName)), output: req(str), host: opt(hostName) }),
  imageLoad: obj({ input: req(str), host: opt(hostName) }),
  // the image verbs (workflows/image-verbs.ts): references are parsed by the host's store (400 there)
  imageTag: obj({ source: req(str), target: req(str), host: opt(hostName) }),
  imageRemove: obj({ image: req(str), force: req(bool), noprune: opt(bool), host: opt(hostName), dryRun: opt(bool) }),
  imagePrune: obj({
    all: req(bool),
    labels: opt(list(str)),
    labelsNot: opt(list(str)),
    until: opt(str),
    host: opt(hostName),
  }),
  // cp, diff, export, commit (workflows/container-archive.ts): paths are resolved in the container by its host
  containerArchive: obj({
    container: ref,
    op: req(oneOf(...ARCHIVE_OPS)),
    path: opt(str),
    file: opt(str),
    host: opt(hostName),
    noOverwriteDirNonDir: opt(bool),
    copyUIDGID: opt(bool),
  }),
  containerChanges: obj({ container: ref }),
  containerCommit: obj({
    container: ref,
    repo: opt(str),
    tag: opt(str),
    comment: opt(str),
    author: opt(str),
    changes: opt(list(str)),
    pause: opt(bool),
    config: opt((v, p) => {
      // the API's body: only its run config's fields are taken (runtime/archive/commit.ts), each as Docker has it
      if (!isObject(v)) throw invalid(p, 'want an object');
    }),
  }),
  // the volume verbs (workflows/volume-verbs.ts): names are checked by the host's store (Docker's 400 there)
  volumeCreate: obj({
    name: opt(str),
    driver: opt(str),
    labels: opt(map(str)),
    options: opt(map(str)),
    host: opt(hostName),
  }),
  volumeList: obj({
    filters: opt(
      obj({ name: opt(list(str)), label: opt(list(str)), dangling: opt(bool), driver: opt(list(str)) }, true),
    ),
    host: opt(hostName),
  }),
  volumeInspect: obj({ name: req(str), host: opt(hostName) }),
  volumeRemove: obj({ name: req(str), force: req(bool), host: opt(hostName), dryRun: opt(bool) }),
  volumePrune: obj({ all: req(bool), labels: opt(list(str)), labelsNot: opt(list(str)), host: opt(hostName) }),
  // the network verbs (workflows/network-verbs.ts): names, subnets and filters are the host's to check (400 there)
  networkCreate: obj({ request: req(networkCreateRequest), host: opt(hostName) }),
  networkCreateOnHost: obj({ request: req(networkCreateRequest), id: req(fullId), pools: opt(list(ipamPool)) }),
  networkRemove: obj({ network: req(str), host: opt(hostName), dryRun: opt(bool) }),
  networkPrune: obj({ labels: opt(list(str)), labelsNot: opt(list(str)), until: opt(str), host: opt(hostName) }),
  networkConnect: obj({ network: req(str), container: ref, config: opt(endpointConfig) }),
  networkDisconnect: obj({ network: req(str), container: ref, force: req(bool) }),
  networkInspect: obj({ network: req(str) }),
  // the reference's grammar is the resolve activity's (Docker's 400); credentials stay out of every error
  imagePull: obj({
    reference: req(str),
    platform: opt(str),
    host: opt(hostName),
    auth: opt(obj(Object.fromEntries(PULL_AUTH_FIELDS.map((k) => [k, opt(str)])), true)),
  }),
  containerWait: obj({
    container: ref,
    condition: opt(oneOf('not-running', 'next-exit', 'removed')),
    afterFinishedAt: opt(str),
  }),
  containerKill: obj({ container: ref, signal: opt(str) }),
  // rename, top, container prune (workflows/container-verbs.ts): names and ps options are the host's to check
  containerRename: obj({ container: ref, name: req(str) }),
  containerTop: obj({ container: ref, psArgs: opt(str) }),
  containerPrune: obj({ labels: opt(list(str)), labelsNot: opt(list(str)), until: opt(str), host: opt(hostName) }),
  containerPause: obj({ container: ref }),
  containerStats: obj({ container: ref }),
  containerUpdate: obj({ container: ref, resources: req(updateResources) }),
  containerUnpause: obj({ container: ref }),
  containerExec: obj({
    container: ref,
    execId: opt(str),
    cmd: req(list(str)),
    env: opt(list(str)),
    workingDir: opt(str),
    user: opt(str),
  }),
  containerExecOutput: obj({ container: req(fullId), execId: req(str), stdout: opt(int(0)), stderr: opt(int(0)) }),
  containerMonitor: obj({
    containerId: req(fullId),
    host: req(hostName),
    carried: opt(
      obj({
        run: opt(
          obj({ pid: req(int()), startedAt: req(str), startedBy: opt(obj({ workflowId: req(str), runId: req(str) })) }),
        ),
        restartCount: req(int(0)),
        delayMs: req(nonNegative),
      }),
    ),
  }),
  // the host's own gc and restore (the worker's start-up reconcile); without a host, every live host's
  containerGc: obj({ host: opt(hostName) }),
  containerRestore: obj({ host: opt(hostName) }),
  // the host registry (workflows/hosts.ts)
  containerHosts: obj({
    hosts: opt(
      list(
        obj({
          name: req(hostName),
          driver: req(str),
          availability: req(oneOf('active', 'drain')),
          registeredAt: req(str),
        }),
      ),
    ),
  }),
  // the reads workflow (workflows/reads.ts); its reads are checked as the workflows above, by their Updates' validators
  containerReads: obj({
    maxEvents: opt(int(1)),
    maxBytes: opt(int(1)),
    served: opt(obj(Object.fromEntries(READ_NAMES.map((k) => [k, opt(int(0))])))),
  }),
} as const satisfies Record<string, Check>;

export type CheckedWorkflow = keyof typeof INPUTS;

/** Throws InvalidParameter (400) naming the first malformed field of a `type` workflow's input. */
export function checkWorkflowInput(type: CheckedWorkflow, input: unknown): void {
  if (!isObject(input)) {
    const got =
      input === null || input === undefined ? String(input) : Array.isArray(input) ? 'an array' : `a ${typeof input}`;
    throw new ContainerError('InvalidParameter', `invalid input: ${type} takes an object, got ${got}`);
  }
  INPUTS[type](input, '');
}

/** The create activity's input (also checked by its workflow): it is written to the container's record. */
export function checkCreateInput(input: unknown): void {
  checkWorkflowInput('containerCreate', input);
}

/** A hostConfig a client passes (create, legacy start): every field typed, none unknown. */
export function checkHostConfigInput(v: unknown, path = 'hostConfig'): void {
  hostConfig(v, path);
}

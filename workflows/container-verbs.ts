import { workflowInfo } from '@temporalio/workflow';
import type {
  ContainerPruneInput,
  ContainerPruneResult,
  RenameInput,
  RenameResult,
} from '../common/container-verbs-api';
import { ContainerError } from '../common/errors';
import { bareName } from '../common/names';
import { checkNewName, nameTaken, RenameMessages } from '../common/rename';
import { checkInput, detailOf, surfaced } from './failures';
import { locate, onHost } from './host-routing';
import { onEveryHost, registered } from './host-verbs';
import { lifecycle } from './options';

/** The other host's container that holds `name`, if any (a host that does not answer is not asked, as for create). */
async function holderElsewhere(name: string): Promise<{ id: string; name: string } | undefined> {
  const found = await locate(name).catch((err: unknown) => {
    // (a host's own answer arrives as an activity failure: an ID prefix two of its containers share is no name)
    const { type } = detailOf(err);
    if (type === 'NoSuchContainer' || type === 'AmbiguousContainer' || type === 'HostUnavailable') return undefined;
    throw err;
  });
  return found && found.name === name ? found : undefined;
}

/**
 * docker rename (moby daemon/rename.go): the container located, the new name checked (Docker's 400s) and looked
 * for on every live host (names are unique across hosts: 409), then renamed on its host under its claim lock,
 * where its links, DNS names and peers' /etc/hosts follow and the `rename` event is recorded.
 */
export function containerRename(input: RenameInput): Promise<RenameResult> {
  checkInput('containerRename', input);
  return surfaced(async () => {
    if (input.container === '' || input.name === '') throw new ContainerError('InvalidParameter', RenameMessages.empty);
    const at = await locate(input.container);
    const slashed = checkNewName(input.name);
    if (at.name !== bareName(slashed)) {
      const holder = await holderElsewhere(bareName(slashed));
      if (holder && holder.id !== at.id) throw nameTaken(slashed, holder.id);
    }
    const { workflowId, runId } = workflowInfo();
    return onHost(at.host, lifecycle).renameContainer({
      container: at.id,
      name: input.name,
      key: `${workflowId}/${runId}`,
    });
  });
}

/** docker container prune (POST /containers/prune): on `host`, else on every live host. */
export function containerPrune(input: ContainerPruneInput): Promise<ContainerPruneResult> {
  checkInput('containerPrune', input);
  const { host, ...rest } = input;
  return surfaced(async () => {
    if (host) await registered(host);
    const all = host
      ? [{ host, answer: await onHost(host, lifecycle).pruneContainers(rest) }]
      : await onEveryHost(lifecycle, (acts) => acts.pruneContainers(rest));
    const deleted = all.flatMap((a) => a.answer.ContainersDeleted ?? []);
    return {
      ContainersDeleted: deleted.length ? deleted : null,
      SpaceReclaimed: all.reduce((n, a) => n + a.answer.SpaceReclaimed, 0),
    };
  });
}

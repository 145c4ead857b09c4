import { ContainerError } from '../common/errors';
import type { RenameResult } from '../common/container-verbs-api';
import { checkNewName, nameTaken, RenameMessages, renamedLinks } from '../common/rename';
import type { ContainerRecord } from '../common/types';
import { CLAIM_LOCK } from './claim';
import type { HostParts } from './host-parts';
import { syncPeerHosts, userNetworkIds } from './peer-hosts';
import { dnsNamesOf } from './steps/network-plan';

/**
 * docker rename on the container's host (moby daemon/rename.go): under the container's claim lock (so no start
 * reads its name half-way) the checks and the new name, with the names it answers to on user networks
 * (DNSNames); then the --link specs of the containers that name it, and the peers' /etc/hosts lines; the
 * `rename` event with `oldName`. `key` (the workflow's) makes a retried call whose report was lost a no-op,
 * where Docker's same-name 400 would otherwise answer it.
 */
export async function rename(rt: HostParts, ref: string, newName: string, key: string): Promise<RenameResult> {
  const slashed = checkNewName(newName);
  const { Id } = await rt.store.lookup(ref);
  const mark = `rename:${key}`;
  const locked = <T>(fn: () => Promise<T>) => rt.store.withLock(Id, () => rt.store.withLock(Id, fn), CLAIM_LOCK);
  const done = await locked(async () => {
    const rec = await rt.store.get(Id);
    const keys = rec.EventKeys ?? [];
    const again = keys.find((k) => k.startsWith(`${mark}:`));
    if (again) return { rec, oldName: again.slice(mark.length + 1), renamed: false };
    if (rec.Name === slashed) throw new ContainerError('InvalidParameter', RenameMessages.same);
    const holder = (await rt.store.list()).find((c) => c.Name === slashed && c.Id !== Id);
    if (holder) throw nameTaken(slashed, holder.Id);
    const oldName = rec.Name;
    rec.Name = slashed;
    for (const [net, ep] of Object.entries(rec.NetworkSettings.Networks ?? {}))
      if (ep.DNSNames) ep.DNSNames = dnsNamesOf(rec, { Name: net }, ep);
    rec.EventKeys = [...keys, `${mark}:${oldName}`].slice(-16);
    await rt.store.write(rec);
    return { rec, oldName, renamed: true };
  });
  // after the container's lock, never inside it: a parent renamed at once takes its own lock, then this one's
  await renameInLinks(rt, Id, done.oldName, slashed);
  await syncPeerHosts({ store: rt.store, driver: rt.driver }, userNetworkIds(done.rec));
  if (done.renamed) await rt.records.appendEvent(Id, done.rec, 'rename', { oldName: done.oldName });
  return { containerId: Id, oldName: done.oldName, newName: slashed };
}

/** The --link specs of this host's containers that name the renamed one by its old name now name the new one. */
async function renameInLinks(rt: HostParts, id: string, oldName: string, newName: string): Promise<void> {
  const names = (r: ContainerRecord) => renamedLinks(r.HostConfig.Links, oldName, newName);
  for (const parent of await rt.store.list()) {
    if (parent.Id === id || !names(parent)) continue;
    await rt.store.update(parent.Id, (r) => {
      r.HostConfig.Links = names(r) ?? r.HostConfig.Links;
    });
  }
}

import { parseLink } from '../../common/env';
import { findContainer } from '../../common/lookup';
import type { ContainerRecord } from '../../common/types';
import { statusText } from '../../client/output';
import { mountsOf, networksOf } from './container-net';
import { runningPorts, summaryPorts } from '../../common/ports';

/**
 * Container records → GET /containers/json's entries (Docker's types.Container). Status is Docker's
 * State.String() with go-units' HumanDuration ("Up 3 seconds", "Exited (0) About a minute ago", "Created"),
 * the same text `container-saga ps` prints (client/output.ts has the rules).
 */
export function containerSummary(rec: ContainerRecord, all: readonly ContainerRecord[], now = Date.now()) {
  return {
    Id: rec.Id,
    Names: namesOf(rec, all),
    Image: rec.Config.Image,
    ImageID: rec.Image ?? '',
    Command: [rec.Path, ...rec.Args].filter((x) => x !== '').join(' '),
    Created: Math.floor(Date.parse(rec.Created) / 1000),
    Ports: summaryPorts(runningPorts(rec)),
    Labels: rec.Config.Labels ?? {},
    State: rec.State.Status,
    Status: statusText(rec.State, now),
    HostConfig: { NetworkMode: rec.HostConfig.NetworkMode || 'default' },
    NetworkSettings: { Networks: networksOf(rec) },
    Mounts: mountsOf(rec),
    // not in Docker's types.Container (clients ignore it): the host, as inspect's Node
    ...(rec.Node ? { Node: { ID: rec.Node.ID, Name: rec.Node.Name } } : {}),
  };
}

/**
 * Docker's Names: the container's name, then the name it has in each container that links to it
 * ("/web/db" for `--link db` in web): the docker CLI prints only the first kind.
 */
export function namesOf(rec: ContainerRecord, all: readonly ContainerRecord[]): string[] {
  const names = [rec.Name];
  for (const parent of all) {
    for (const link of parent.HostConfig.Links) {
      try {
        const { name, alias } = parseLink(link);
        if (findContainer(all, name).Id === rec.Id) names.push(`${parent.Name}/${alias}`);
      } catch {
        // a link whose container is gone names nothing
      }
    }
  }
  return names;
}

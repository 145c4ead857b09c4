import { checkPullInput, pullImage, type PullView } from '../../client/pull';
import { layerLines, lineText, type LayerLine } from '../../client/pull-lines';
import type { PullAuth, PullResult } from '../../common/pull-api';
import { parseReference } from '../../registry/reference';
import { decodeRegistryAuthHeader } from '../../registry/credentials';
import { RegistryError } from '../../registry/errors';
import { ApiError, badRequest } from '../http';
import type { Handler } from '../router';
import type { OutputStream } from '../stream';

/**
 * POST /images/create?fromImage=&tag=&platform=: the pull workflow (client/pull.ts), its progress streamed as
 * Docker's JSON messages so the docker CLI draws its bars. A bad reference is a plain 400 before anything runs;
 * a failure before the first message is a plain error answer, after it an `errorDetail` message in the 200.
 * `fromSrc` (an import through the API) is not served: 501.
 */
export const imageCreate: Handler = async (ctx, r, out) => {
  if (r.query.get('fromSrc') !== null)
    throw new ApiError(
      501,
      'container-saga does not import images through the API (fromSrc): use `container-saga image import NAME SOURCE`',
    );
  const from = r.query.get('fromImage') ?? '';
  if (!from) throw badRequest('invalid reference format');
  const tag = r.query.get('tag');
  // Docker: a tag that is a digest is joined with @ (docker pull name@sha256:… sends it so)
  const reference = tag ? `${from}${tag.includes(':') ? '@' : ':'}${tag}` : from;
  let auth: PullAuth | undefined;
  try {
    auth = decodeRegistryAuthHeader(r.raw.headers['x-registry-auth'] as string | undefined);
  } catch (err) {
    if (err instanceof RegistryError) throw badRequest(err.message);
    throw err;
  }
  const platform = r.query.get('platform') || undefined;
  const input = { reference, ...(platform ? { platform } : {}), ...(auth ? { auth } : {}) };
  checkPullInput(input);
  const ref = parseReference(reference);
  const s = await ctx.session();
  const messages = new PullMessages(ref.path, ref.digest ?? ref.tag ?? 'latest');
  let stream: OutputStream | undefined;
  const send = async (lines: object[]) => {
    if (lines.length === 0) return;
    stream ??= out.stream('application/json');
    await stream.writeRaw(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  };
  let queue = Promise.resolve();
  try {
    const result = await pullImage(s, input, {
      onProgress: (view) => void (queue = queue.then(() => send(messages.next(view)))),
    });
    await queue;
    await send(messages.done(result));
  } catch (err) {
    await queue;
    if (!stream) throw err;
    const message = err instanceof Error ? err.message : String(err);
    await stream.writeRaw(`${JSON.stringify({ errorDetail: { message }, error: message })}\n`);
  } finally {
    stream?.end();
  }
};

/** Docker's pull messages from the views polled: each layer's change once, in Docker's order of statuses. */
export class PullMessages {
  private readonly sent = new Map<string, string>();
  private started = false;

  constructor(
    private readonly path: string,
    private readonly tagOrDigest: string,
  ) {}

  private idOf(l: LayerLine, hosts: number): string {
    return hosts > 1 ? `${l.id}@${l.host}` : l.id;
  }

  next(view: PullView): object[] {
    const out: object[] = [];
    const lines = layerLines(view);
    if (lines.length === 0) return out;
    if (!this.started) {
      this.started = true;
      out.push({ status: `Pulling from ${this.path}`, id: this.tagOrDigest });
    }
    const hosts = new Set(lines.map((l) => l.host)).size;
    for (const l of lines) {
      const id = this.idOf(l, hosts);
      const last = this.sent.get(id);
      const key = `${l.status}/${l.current ?? ''}`;
      if (last === key) continue;
      if (last === undefined && l.status !== 'Already exists') out.push(msg('Pulling fs layer', id));
      const downloaded = l.status === 'Extracting' || l.status === 'Pull complete';
      if (downloaded && !this.sent.has(`${id}#downloaded`)) {
        this.sent.set(`${id}#downloaded`, '');
        out.push(msg('Download complete', id));
      }
      if (l.status === 'Downloading' && l.current !== undefined)
        out.push({
          ...msg('Downloading', id, { current: l.current, total: l.total }),
          progress: lineText(l).slice(12),
        });
      else if (l.status !== 'Waiting' || last === undefined) out.push(msg(l.status, id));
      this.sent.set(id, key);
    }
    return out;
  }

  /** Every layer at its end, then Docker's Digest and Status lines (per host, when there are several). */
  done(result: PullResult): object[] {
    const out: object[] = [];
    const many = result.hosts.length > 1;
    if (!this.started) out.push({ status: `Pulling from ${this.path}`, id: this.tagOrDigest });
    this.started = true;
    for (const h of result.hosts) {
      out.push({ status: `Digest: ${h.digest}${many ? ` (${h.host})` : ''}` });
      out.push({ status: `Status: ${h.status}${many ? ` (${h.host})` : ''}` });
    }
    return out;
  }
}

const msg = (status: string, id: string, progressDetail: object = {}) => ({ status, progressDetail, id });

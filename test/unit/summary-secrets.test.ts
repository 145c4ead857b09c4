import { encodeUserMetadata, loadDataConverter } from '@temporalio/common/lib/internal-non-workflow';
import { describe, expect, it } from 'vitest';
import { codecDataConverter } from '../../codec/load';
import { createMetadata, startMetadata } from '../../common/workflow-metadata';
import { defaultHostConfig, type ContainerRecord } from '../../common/types';

/**
 * What the Web UI shows of a container (docs/web-ui.md "What the UI shows, and secrets"): the summary and
 * details carry the command line as `docker ps` shows it, never env values or labels; the client hands them to
 * the SDK's encodeUserMetadata, which runs them through the payload codec, so with a key file they are
 * stored encrypted like the inputs.
 */

const SECRET = 'hunter2-9d1c';
const request = {
  name: 'db',
  image: 'busybox',
  cmd: ['sh', '-c', `PASSWORD=${SECRET} exec sleep 1000`],
  env: [`DB_PASSWORD=env-${SECRET}`],
  labels: { token: `label-${SECRET}` },
};

const forms = (s: string) => [s, Buffer.from(s).toString('base64'), Buffer.from(s).toString('hex')];

describe('workflow summaries and secrets', () => {
  it('show the command line (as docker ps does) but never env values or labels', () => {
    const m = createMetadata(request);
    expect(m.staticSummary).toContain(`PASSWORD=${SECRET}`);
    const shown = `${m.staticSummary}\n${m.staticDetails}\n${JSON.stringify(m.typedSearchAttributes)}`;
    expect(shown).not.toContain(`env-${SECRET}`);
    expect(shown).not.toContain(`label-${SECRET}`);
    expect(m.staticDetails).toContain('1 (values not shown)');
    const rec = {
      Id: 'a'.repeat(64),
      Name: '/db',
      Path: 'sh',
      Args: request.cmd.slice(1),
      Config: { Image: 'busybox', Env: request.env, Labels: request.labels, WorkingDir: '' },
      HostConfig: defaultHostConfig(),
    } as unknown as ContainerRecord;
    const s = startMetadata(rec);
    expect(`${s.staticSummary}${s.staticDetails}`).not.toMatch(/env-|label-/);
    // the search attributes are never encrypted: name, image and ID only
    expect(JSON.stringify(s.typedSearchAttributes)).not.toContain(SECRET);
  });

  it('are encrypted by the codec as the client sends them (user metadata is a payload)', async () => {
    const m = createMetadata(request);
    const meta = await encodeUserMetadata(loadDataConverter(codecDataConverter()), m.staticSummary, m.staticDetails);
    for (const p of [meta!.summary!, meta!.details!]) {
      expect(Buffer.from(p.metadata!.encoding!).toString()).toBe('binary/encrypted');
      const stored = Buffer.from(JSON.stringify(p));
      for (const f of forms(SECRET)) expect(stored.includes(f)).toBe(false);
    }
    // the control: without a key file the same summary is stored as it is
    const plain = await encodeUserMetadata(loadDataConverter({}), m.staticSummary, undefined);
    expect(Buffer.from(plain!.summary!.data!).toString()).toContain(SECRET);
  });
});

/**
 * Payload encryption end to end: its own dev server with history in a SQLite file and the Web UI
 * pointed at a codec server, the real CLI, and a worker with the simulated driver. A container's env value
 * must be nowhere in plaintext (SQLite file, `temporal workflow show`) when sent through the codec; the control,
 * a create sent by a Temporal client without it (which the worker refuses: it always requires encryption),
 * proves the search finds the value when it is there. The codec server and the Web UI (Debian's chromium) show
 * it decoded.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client, WorkflowFailedError } from '@temporalio/client';
import type { ApplicationFailure } from '@temporalio/common';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadCodec } from '../../codec/load';
import { startCodecServer, type RunningCodecServer } from '../../codec/server';
import { simulatedRuntime } from '../runtimes';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { cli, REPO, startTestWorker, type TestWorker, until } from '../harness';
import { setCodecEndpointInUi } from '../ui-codec-setting';

const TOKEN = randomBytes(18).toString('base64url');
const secret = () => `s3cret-${randomBytes(10).toString('hex')}`;
const ENCRYPTED = secret();
const PLAIN = secret();

let dir: string;
let server: DevServer;
let codec: RunningCodecServer;
let enc: TestWorker;
const PLAIN_ID = 'plaintext-create';

beforeAll(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-codec-e2e-'));
  await fs.mkdir(path.join(dir, 'empty-root'));
  const uiPort = await freePort();
  // The test key (CONTAINER_SAGA_CODEC_KEYS, vitest.config.ts), for the UI on this file's own port.
  codec = await startCodecServer({
    codec: loadCodec().codec,
    token: TOKEN,
    origins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    host: '127.0.0.1',
    port: 0,
  });
  server = await startDevServer({
    uiPort,
    dbFile: path.join(dir, 'temporal.db'),
    log: path.join(dir, 'server.log'),
  });
  enc = await startTestWorker(server.address, simulatedRuntime(path.join(dir, 'enc')));
  await cli(enc, ['image', 'import', 'busybox', 'busybox-static']);
  // A container with a secret in its env: created, started and inspected by the real CLI.
  await createStartInspect(enc, 'enc', ENCRYPTED, {});
  // The control: the SDK's default data converter, without encryption; the server stores the plaintext input,
  // the worker refuses it at once.
  const plainClient = new Client({ connection: enc.session.connection });
  const refused = await plainClient.workflow
    .execute('containerCreate', {
      taskQueue: enc.taskQueue,
      workflowId: PLAIN_ID,
      args: [{ request: { name: 'plain', image: 'busybox', env: [`DB_PASSWORD=${PLAIN}`] } }],
    })
    .catch((err: unknown) => err);
  expect(((refused as WorkflowFailedError).cause as ApplicationFailure).type).toBe('PayloadRefused');
}, 180_000);

afterAll(async () => {
  await enc?.shutdown();
  await server?.stop();
  await codec?.close();
  if (dir) await fs.rm(dir, { recursive: true, force: true });
});

/** The CLI without a key file: no CONTAINER_SAGA_CODEC_KEYS and a state root without one. */
const NO_CODEC = () => ({ CONTAINER_SAGA_CODEC_KEYS: '', CONTAINER_SAGA_ROOT: path.join(dir, 'empty-root') });

/** The forms a value can take in a file: its bytes, and base64 of it at each of the 3 alignments in a longer blob. */
function forms(value: string): string[] {
  const out = [value];
  for (let shift = 0; shift < 3; shift++) {
    const b64 = Buffer.concat([Buffer.alloc(shift), Buffer.from(value)]).toString('base64');
    // drop the characters that also encode the filler before it and whatever follows it
    out.push(b64.slice(Math.ceil((shift * 4) / 3) + (shift ? 1 : 0), -4));
  }
  return out;
}

function found(haystack: Buffer, value: string): string[] {
  return forms(value).filter((f) => haystack.includes(f));
}

async function sqliteBytes(): Promise<Buffer> {
  const parts = ['', '-wal', '-shm'].map((s) => path.join(dir, `temporal.db${s}`)).filter((f) => existsSync(f));
  return Buffer.concat(await Promise.all(parts.map((f) => fs.readFile(f))));
}

/** `temporal workflow show --output json` of every workflow on the worker's task queue, concatenated. */
async function showAll(
  w: TestWorker,
  extra: string[] = [],
): Promise<{ ids: string[]; text: string; outputs: string[] }> {
  const ids = await until("the task queue's workflows in visibility", async () => {
    const list: string[] = [];
    for await (const wf of w.client.workflow.list({ query: `TaskQueue = "${w.taskQueue}"` })) list.push(wf.workflowId);
    return list.length >= 3 ? list : undefined;
  });
  const outputs = await showIds(ids, extra);
  return { ids, text: outputs.join('\n'), outputs };
}

/** `temporal workflow show --output json` of each workflow. */
async function showIds(ids: string[], extra: string[] = []): Promise<string[]> {
  const cliPath = inject('temporalCliPath');
  // Not execFileSync: with --codec-endpoint the CLI calls the codec server this very process serves.
  const show = (id: string) =>
    promisify(execFile)(
      cliPath,
      ['workflow', 'show', '--address', server.address, '--workflow-id', id, '--output', 'json', ...extra],
      { timeout: 30_000 },
    );
  return Promise.all(ids.map(async (id) => (await show(id)).stdout));
}

/** Every payload ({metadata, data}) in a JSON document, as the codec server protocol carries them. */
function payloadsIn(doc: unknown, out: unknown[] = []): unknown[] {
  if (Array.isArray(doc)) for (const v of doc) payloadsIn(v, out);
  else if (typeof doc === 'object' && doc !== null) {
    if ('metadata' in doc && 'data' in doc) out.push({ metadata: doc.metadata, data: doc.data });
    else for (const v of Object.values(doc)) payloadsIn(v, out);
  }
  return out;
}

async function createStartInspect(w: TestWorker, name: string, value: string, env: NodeJS.ProcessEnv): Promise<void> {
  const created = await cli(
    w,
    ['create', '--name', name, '-e', `DB_PASSWORD=${value}`, 'busybox', 'sleep', '1000'],
    env,
  );
  expect(created.code, created.stderr).toBe(0);
  const started = await cli(w, ['start', name], env);
  expect(started.code, started.stderr).toBe(0);
  const inspected = await cli(w, ['inspect', name], env);
  expect(inspected.code, inspected.stderr).toBe(0);
  // the CLI (and the workflows) see plaintext either way
  expect(inspected.stdout).toContain(`DB_PASSWORD=${value}`);
}

describe('payload encryption on the dev server (SQLite, CLI, Web UI)', () => {
  it('keeps env values out of the SQLite file and `temporal workflow show`; the refused plaintext control is found', async () => {
    const encShow = await showAll(enc);
    const plainShow = { text: (await showIds([PLAIN_ID]))[0]!, ids: [PLAIN_ID] };
    const db = await sqliteBytes();
    const report = {
      sqliteBytes: db.length,
      withCodec: {
        sqlite: found(db, ENCRYPTED),
        show: found(Buffer.from(encShow.text), ENCRYPTED),
        workflows: encShow.ids.length,
      },
      withoutCodec: {
        sqlite: found(db, PLAIN),
        show: found(Buffer.from(plainShow.text), PLAIN),
        workflows: plainShow.ids.length,
      },
    };
    console.log(`plaintext check: ${JSON.stringify(report)}`);
    // The control: without the codec the value is there, so the search below can fail.
    expect(report.withoutCodec.sqlite.length).toBeGreaterThan(0);
    expect(report.withoutCodec.show.length).toBeGreaterThan(0);
    // With it, in no form.
    expect(report.withCodec.sqlite).toEqual([]);
    expect(report.withCodec.show).toEqual([]);
    expect(encShow.text).toContain(Buffer.from('binary/encrypted').toString('base64'));
  });

  it('decodes through the codec server (HTTP and `temporal workflow show --codec-endpoint`)', async () => {
    const { outputs } = await showAll(enc);
    const payloads = outputs.flatMap((o) => payloadsIn(JSON.parse(o)));
    expect(payloads.length).toBeGreaterThan(0);
    const res = await fetch(`${codec.url}/decode`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ payloads }),
    });
    expect(res.status).toBe(200);
    const decoded = (await res.json()) as { payloads: Array<{ data: string }> };
    expect(decoded.payloads.map((p) => Buffer.from(p.data, 'base64').toString()).join('\n')).toContain(
      `DB_PASSWORD=${ENCRYPTED}`,
    );
    const shown = await showAll(enc, ['--codec-endpoint', codec.endpoint]);
    expect(found(Buffer.from(shown.text), ENCRYPTED).length).toBeGreaterThan(0);
  });

  it('a CLI without a key file refuses to send anything, naming the path and the fix', async () => {
    const r = await cli(enc, ['inspect', 'enc'], NO_CODEC());
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(
      `no key file at ${path.join(dir, 'empty-root', 'codec-keys.json')}: workers accept only encrypted payloads, so nothing is sent`,
    );
    expect(r.stderr).toContain('set CONTAINER_SAGA_CODEC_KEYS');
    expect(r.stdout + r.stderr).not.toContain(ENCRYPTED);
  });

  it('the Web UI shows the create input decoded through the codec server', async () => {
    const { ids } = await showAll(enc);
    const createId = ids.find((id) => id.startsWith('container-create-'));
    expect(createId, ids.join(', ')).toBeDefined();
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
      await setCodecEndpointInUi(page, server.uiUrl!, codec.endpoint);
      const decodeCalls: number[] = [];
      page.on('response', (r) => {
        if (r.url().startsWith(`${codec.endpoint}/decode`)) decodeCalls.push(r.status());
      });
      await page.goto(`${server.uiUrl}/namespaces/default/workflows/${createId}`, { waitUntil: 'domcontentloaded' });
      await page.getByText(`DB_PASSWORD=${ENCRYPTED}`).first().waitFor({ state: 'visible', timeout: 30_000 });
      await fs.mkdir(path.join(REPO, 'test-results'), { recursive: true });
      await page.screenshot({ path: path.join(REPO, 'test-results', 'ui-codec-decoded.png'), fullPage: true });
      expect(decodeCalls.length).toBeGreaterThan(0);
      expect(decodeCalls.every((s) => s === 200)).toBe(true);
    } finally {
      await browser.close();
    }
  });
});

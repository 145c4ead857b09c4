import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createContainer, startContainer } from '../../client/api';
import { CliError } from '../../client/errors';
import { OperatorQueries } from '../../client/visibility-queries';
import { FAULT_LABEL } from '../../runtime/faults';
import { simulatedRuntime } from '../runtimes';
import { loadCodec } from '../../codec/load';
import { startCodecServer, type RunningCodecServer } from '../../codec/server';
import { freePort, startDevServer, type DevServer } from '../../scripts/dev-server';
import { REPO, startTestWorker, type TestWorker } from '../harness';
import { setCodecEndpointInUi } from '../ui-codec-setting';

// What an operator sees in the Temporal Web UI, in a real browser: Debian's chromium driven by playwright-core
// (never a downloaded browser). A dev server of this file's own, with its UI, on free ports; an in-process
// worker with the simulated driver; a container started through the saga and one whose network step fails.
// Each is found by a ContainerName visibility query on the UI's list page, then its page shows the steps
// by activity type (local activities of one workflow task) and their summaries in the compact
// event history, the compensations in order with their summaries, and the static summary and details on the User
// Metadata tab (rendered inside /render iframes). Screenshots go to test-results/web-ui/.

const CHROMIUM = process.env.CONTAINER_SAGA_CHROMIUM ?? '/usr/bin/chromium';
const SHOTS = path.join(REPO, 'test-results', 'web-ui');
/** The UI's first page load compiles and fetches a lot: generous, but far below the test's budget. */
const UI_TIMEOUT = 25_000;

let server: DevServer;
let codec: RunningCodecServer;
let w: TestWorker;
let root: string;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const shots: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `no chromium at ${CHROMIUM}: \`npm run setup\` installs Debian's chromium (as root), or set CONTAINER_SAGA_CHROMIUM to a Chromium binary`,
    );
  }
  await fs.mkdir(SHOTS, { recursive: true });
  // Payloads, summaries and details included, are encrypted (codec/): the UI reads them through the codec
  // server, set in the browser as an operator sets it after `npm run server` (below).
  const uiPort = await freePort();
  codec = await startCodecServer({
    codec: loadCodec().codec,
    token: 'web-ui-test',
    origins: [`http://127.0.0.1:${uiPort}`, `http://localhost:${uiPort}`],
    host: '127.0.0.1',
    port: 0,
  });
  server = await startDevServer({ uiPort, log: path.join(SHOTS, 'dev-server.log') });
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-e2e-webui-'));
  w = await startTestWorker(server.address, simulatedRuntime(root));
  const s = w.session;
  await createContainer(s, { name: 'web', image: 'busybox', cmd: ['sleep', '3600'], env: ['TOKEN=do-not-show'] });
  await startContainer(s, 'web');
  await createContainer(s, {
    name: 'broken',
    image: 'busybox',
    cmd: ['sleep', '3600'],
    labels: { [FAULT_LABEL]: 'network=fail' },
  });
  await expect(startContainer(s, 'broken')).rejects.toThrow(CliError);
  mark('worker and containers');
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  // Tall: the timeline draws only the rows in view.
  page = await browser.newPage({ viewport: { width: 1440, height: 1600 } });
  page.setDefaultTimeout(UI_TIMEOUT);
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
  });
  await setCodecEndpointInUi(page, server.uiUrl!, codec.endpoint);
});

afterAll(async () => {
  await browser?.close();
  await w?.shutdown();
  await server?.stop();
  await codec?.close();
  if (root) await fs.rm(root, { recursive: true, force: true });
  if (shots.length > 0) console.log(`web-ui screenshots:\n  ${shots.join('\n  ')}`);
  // The UI fetches its news feed from the internet even offline; anything else is worth a look.
  const unexpected = consoleErrors.filter((e) => !/news|feed|Failed to load resource|ERR_/i.test(e));
  if (unexpected.length > 0) console.log(`web-ui console errors:\n  ${unexpected.join('\n  ')}`);
});

const T0 = Date.now();
const mark = (what: string) => process.env.WEB_UI_TRACE && console.log(`[${Date.now() - T0} ms] ${what}`);

async function shot(name: string): Promise<void> {
  mark(name);
  const file = path.join(SHOTS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  shots.push(path.relative(REPO, file));
}

const ui = (p: string) => `${server.uiUrl}/namespaces/default${p}`;

/** The UI's list page for a visibility query: waits for its rows, returns the start's workflow link. */
async function listByQuery(query: string, expectRows: number): Promise<void> {
  await page.goto(ui(`/workflows?query=${encodeURIComponent(query)}`), { waitUntil: 'domcontentloaded' });
  mark(`goto ${query}`);
  const rows = page.getByTestId('workflows-summary-configurable-table-row');
  await rows.first().waitFor();
  mark('first row');
  // the list may first show a cached page: wait for the query's own rows
  for (const end = Date.now() + UI_TIMEOUT; (await rows.count()) !== expectRows; ) {
    if (Date.now() > end) throw new Error(`list for ${query}: ${await rows.count()} rows, expected ${expectRows}`);
    await page.waitForTimeout(200);
  }
}

/** Lines of the page (or an element) as the user reads them. */
async function linesOf(selector = 'body'): Promise<string[]> {
  return (await page.locator(selector).innerText())
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
}

/** A tab of the workflow page (links styled as tabs in UI 2.54). */
async function showTab(tab: 'Timeline' | 'Event History' | 'User Metadata' | 'Search Attributes'): Promise<void> {
  await page
    .getByRole('link', { name: new RegExp(`^${tab}`) })
    .or(page.getByRole('tab', { name: new RegExp(`^${tab}`) }))
    .first()
    .click();
}

/** Opens the start listed on the page and shows the given tab. */
async function openStart(tab: 'Timeline' | 'User Metadata'): Promise<void> {
  await page
    .getByRole('link', { name: /^container-start-/ })
    .first()
    .click();
  mark('clicked start');
  await page.getByText('containerStart').first().waitFor();
  mark('start page');
  await showTab(tab);
  mark(tab);
}

/** The page's text once it shows every one of `wanted` (or, at the UI timeout, as it is then). */
async function textShowing(wanted: readonly string[]): Promise<string> {
  for (const end = Date.now() + UI_TIMEOUT; ; ) {
    const text = (await linesOf()).join('\n');
    if (wanted.every((w) => text.includes(w)) || Date.now() > end) return text;
    await page.waitForTimeout(200);
  }
}

/**
 * Whether the page shows each step of `steps`, as its type or its summary: the timeline draws a local activity
 * as a point labelled by its type, then by its summary once the codec server has decoded it. Waits until it
 * does (or the UI timeout); returns the steps not shown.
 */
async function stepsNotShown(steps: ReadonlyArray<readonly [type: string, summary: string]>): Promise<string[]> {
  for (const end = Date.now() + UI_TIMEOUT; ; ) {
    const lines = await linesOf();
    const missing = steps
      .filter(([type, summary]) => !lines.some((l) => l === type || l.startsWith(summary)))
      .map(([type]) => type);
    if (missing.length === 0 || Date.now() > end) return missing;
    await page.waitForTimeout(200);
  }
}

/** The text rendered inside the User Metadata tab's /render iframes (summary, details, current details). */
async function renderedMetadata(expectFrames: number): Promise<string[]> {
  const frames = () => page.frames().filter((f: Frame) => f.url().includes('/render?'));
  for (const end = Date.now() + UI_TIMEOUT; ; ) {
    const texts = await Promise.all(
      frames().map((f) =>
        f
          .locator('body')
          .innerText()
          .catch(() => ''),
      ),
    );
    const shown = texts.map((t) => t.trim()).filter(Boolean);
    if (shown.length >= expectFrames) return shown;
    if (Date.now() > end)
      throw new Error(`User Metadata: ${shown.length} rendered frames, expected ${expectFrames}: ${shown.join(' | ')}`);
    await page.waitForTimeout(200);
  }
}

describe('the Temporal Web UI, as an operator sees it (chromium, simulated driver)', () => {
  it('finds the started container by ContainerName and shows its steps, summary and details', async () => {
    const started = Date.now();
    await listByQuery(OperatorQueries.container('web'), 3); // create, start, monitor
    const list = (await linesOf()).join('\n');
    expect(list).toMatch(/COMPLETED[\s\S]*container-start-[0-9a-f]{64}/);
    expect(list).toContain('containerCreate');
    expect(list).toContain('containerMonitor');
    await shot('web-list');

    await openStart('Timeline');
    // Every step of a start on its owner's worker is a local activity of one workflow task: the
    // timeline shows each (the lookup, checks and claim as one, its summary naming each; the prepare
    // steps at once, then spec, process, mark running)
    const steps = [
      ['claimHere', 'check its state and settings, claim it for this start'],
      ['mountRootfs', 'mount the rootfs of web'],
      ['connectNetwork', 'prepare network (bridge) for web'],
      ['setupIpc', 'mount /dev/shm for web'],
      ['writeSpec', 'write the OCI spec of web'],
      ['startProcess', 'start the process of web'],
      ['markRunning', 'mark web running'],
    ] as const;
    expect(await stepsNotShown(steps)).toEqual([]);
    expect((await linesOf()).some((l) => l.includes('compensate'))).toBe(false);
    await shot('web-start-timeline');

    // the compact event history shows each local activity's summary
    await showTab('Event History');
    mark('history tab');
    await page.getByText('Compact', { exact: true }).click();
    mark('compact');
    const summaries = [
      'check its state and settings, claim it for this start',
      'mount the rootfs of web',
      'prepare network (bridge) for web',
      'mount /dev/shm for web',
      'write the OCI spec of web',
      'start the process of web',
      'mark web running, hand it to its monitor, release the start claim',
    ];
    // the summaries are decoded through the codec server after the page renders: wait for them
    const history = await textShowing(summaries);
    for (const summary of summaries) expect(history).toContain(summary);
    await shot('web-start-history');

    await showTab('User Metadata');
    const meta = await renderedMetadata(3);
    expect(meta).toContain('start web · busybox sleep 3600');
    const details = meta.find((t) => t.startsWith('start web\n'));
    expect(details).toMatch(/container: [0-9a-f]{64}/);
    expect(details).toContain('image: busybox');
    expect(details).toContain('command: sleep 3600');
    // the one it was given and the image's PATH
    expect(details).toContain('environment variables: 2 (values not shown)');
    expect(meta.join('\n')).not.toContain('do-not-show');
    expect(meta.some((t) => /^running — web pid \d+/.test(t))).toBe(true);
    await shot('web-start-metadata');
    console.log(`web-ui started container: ${Date.now() - started} ms`);
  }, 90_000);

  it('finds the failed start by ContainerName and shows the failed step and the compensations in order', async () => {
    const started = Date.now();
    await listByQuery(OperatorQueries.starts('broken'), 1);
    expect((await linesOf()).join('\n')).toMatch(/FAILED[\s\S]*container-start-[0-9a-f]{64}/);
    await shot('broken-list');

    await openStart('Timeline');
    // The failure path runs in the workflow task where the step failed, as local activities: the
    // timeline shows the failed step and each compensation
    expect(
      await stepsNotShown([
        ['connectNetwork', 'prepare network (bridge) for broken'],
        ['markFailed', 'compensate · record the error on broken'],
        ['releaseIpc', 'compensate · unmount /dev/shm of broken'],
        ['releaseNetwork', 'compensate · release the network of broken'],
        ['unmountRootfs', 'compensate · unmount the rootfs of broken'],
        ['finishFailed', 'compensate · record the exit and the die event of broken'],
      ]),
    ).toEqual([]);
    await shot('broken-start-timeline');
    // and the compact event history shows their summaries, in the order they were recorded: the error's record
    // and the releases (at once: recorded as each ended), then the exit and the die event
    await showTab('Event History');
    await page.getByText('Compact', { exact: true }).click();
    const die = 'compensate · record the exit and the die event of broken';
    const beforeDie = [
      'compensate · record the error on broken',
      'compensate · unmount /dev/shm of broken',
      'compensate · release the network of broken',
      'compensate · unmount the rootfs of broken',
    ];
    const history = await textShowing(['check its state and settings, claim it for this start', ...beforeDie, die]);
    const at = (summary: string) => history.indexOf(summary);
    for (const summary of [...beforeDie, die]) expect(history).toContain(summary);
    // newest first or oldest first: the claim (with the lookup and checks) came before the die event, and so did each
    // release
    const order = Math.sign(at(die) - at('check its state and settings, claim it for this start'));
    for (const summary of beforeDie) expect(Math.sign(at(die) - at(summary)), summary).toBe(order);
    await shot('broken-start-history');

    await showTab('User Metadata');
    const meta = await renderedMetadata(3);
    expect(meta).toContain('start broken · busybox sleep 3600');
    expect(meta.find((t) => t.startsWith('failed at network'))).toBe(
      'failed at network — broken: injected failure at network; compensated: unmount-ipc, release-network, unmount-rootfs',
    );
    await shot('broken-start-metadata');

    // the failed step and error type as search attributes, on the UI's own tab
    await showTab('Search Attributes');
    await page.getByText('FailedStep').first().waitFor();
    const attrs = (await linesOf()).join('\n');
    expect(attrs).toMatch(/FailedStep[\s\S]{0,40}network/);
    expect(attrs).toMatch(/ErrorType[\s\S]{0,40}InjectedFault/);
    await shot('broken-start-search-attributes');

    // and the list of starts that failed at the network step holds it
    await listByQuery(OperatorQueries.failedAt('network'), 1);
    await shot('failed-at-network-list');
    console.log(`web-ui failed start: ${Date.now() - started} ms`);
  }, 90_000);
});

import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { SIMULATED } from '../../src/simulators';
import { SEED_PIPELINE_RUN } from '../../src/simulators/pipeline';

/**
 * The IDE as a person uses it: Debian's Chromium opens GET /graphql from a test gateway, the
 * user types the gateway key, picks the pipeline example and runs it; the answer shows the
 * simulator's pipeline run. Every request the browser makes is recorded: none may leave
 * 127.0.0.1 (the IDE must work with no internet). A screenshot is left in test-output/.
 */
const CHROMIUM = '/usr/bin/chromium';
const OUTPUT = path.join(__dirname, '..', '..', 'test-output');
const GATEWAY_KEY = 'e2e-ide-gateway-key-0123456789';
const PIPELINE_ID = 'd19799d619424b2bb2625ec2d93ea087';

/** The little of the DOM the page functions below touch (the test compiles without lib.dom). */
declare const document: { querySelector(selector: string): { textContent: string | null } | null };

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) {
  process.stdout.write(`SKIPPED test/e2e/ide.test.ts: ${CHROMIUM} is absent (apt-get install -y chromium; .ci/run installs it)\n`);
}
const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('the IDE in headless Chromium', () => {
  let gw: TestGateway;
  let context: BrowserContext;
  let profileDir: string;
  const requested: string[] = [];

  beforeAll(async () => {
    gw = await startTestGateway({ env: { GATEWAY_API_KEYS: GATEWAY_KEY, LIVE_POLL_INTERVAL_MS: '1000' } });
    profileDir = mkdtempSync(path.join(tmpdir(), 'ide-e2e-profile-'));
    // A fresh profile (--user-data-dir): playwright passes it for a persistent context.
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    context.on('request', (req) => requested.push(req.url()));
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await gw?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('runs the pipeline example with the gateway key, and nothing leaves 127.0.0.1', async () => {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));

    const response = await page.goto(`${gw.url}/graphql`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toContain('text/html');
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });

    // With the key, the IDE fetches the schema again (the first try was refused: no key yet).
    const introspection = page.waitForRequest(
      (req) => (req.postData() ?? '').includes('IntrospectionQuery') && req.headers()['authorization'] === `Bearer ${GATEWAY_KEY}`,
    );
    await page.fill('#gateway-key', GATEWAY_KEY);
    await page.press('#gateway-key', 'Enter');
    await expect(page.textContent('#ide-status')).resolves.toBe('key set');
    expect((await (await introspection).response())?.status()).toBe(200);

    await page.selectOption('#ide-example', { label: 'Pipeline: latest runs' });
    await page.waitForFunction(() => document.querySelector('.graphiql-query-editor')?.textContent?.includes('PipelineStatuses'));

    const answer = page.waitForResponse(
      (res) =>
        res.url() === `${gw.url}/graphql` &&
        res.request().method() === 'POST' &&
        (res.request().postData() ?? '').includes('PipelineStatuses'),
    );
    await page.click('.graphiql-execute-button');
    const res = await answer;
    const body = (await res.json()) as {
      data?: { pipelines?: Array<{ id: string; latestRun: { status: string } | null }> };
      errors?: unknown;
    };
    expect({ status: res.status(), errors: body.errors }).toEqual({ status: 200, errors: undefined });
    expect(res.request().headers()['authorization']).toBe(`Bearer ${GATEWAY_KEY}`);
    expect(body.data?.pipelines?.[0]?.id).toBe(PIPELINE_ID);
    expect(body.data?.pipelines?.[0]?.latestRun?.status).toBe('FAILED');

    // What the person sees: the answer in the result pane.
    await page.waitForFunction((id) => (document.querySelector('.graphiql-response')?.textContent ?? '').includes(id), PIPELINE_ID, {
      timeout: 10_000,
    });
    const shown = (await page.textContent('.graphiql-response')) ?? '';
    expect(shown).toContain('"status": "FAILED"');

    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'ide.png'), fullPage: true });

    expect(gw.sims.pipeline.callCount('/v5/')).toBeGreaterThanOrEqual(1);
    const offMachine = requested.filter((url) => {
      const { protocol, hostname } = new URL(url);
      return !(protocol === 'data:' || protocol === 'blob:' || hostname === '127.0.0.1');
    });
    expect(offMachine).toEqual([]);
    expect(requested.some((u) => u.endsWith('/graphql/ide/graphiql.min.js'))).toBe(true);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
  }, 90_000);

  it('runs a subscription over WebSocket from the same page: the current run, then its change', async () => {
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') consoleErrors.push(msg.text());
    });
    page.on('pageerror', (err) => consoleErrors.push(err.message));
    const sockets: string[] = [];
    page.on('websocket', (ws) => sockets.push(ws.url()));
    await page.goto(`${gw.url}/graphql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    await page.fill('#gateway-key', GATEWAY_KEY);
    await page.press('#gateway-key', 'Enter');
    await page.selectOption('#ide-example', { label: 'Live: pipeline runs (subscription)' });
    await page.waitForFunction(() => document.querySelector('.graphiql-query-editor')?.textContent?.includes('LivePipelineRuns'));
    await page.click('.graphiql-execute-button');
    const shows = (text: string) =>
      page.waitForFunction((t) => (document.querySelector('.graphiql-response')?.textContent ?? '').includes(t), text, { timeout: 10_000 });
    await shows('"runNumber": 2');
    expect((await page.textContent('.graphiql-response')) ?? '').toContain('"status": "FAILED"');

    // The upstream moves on: the open subscription shows it, with no click.
    gw.sims.pipeline.setRun(SIMULATED.codeartsProjectId, PIPELINE_ID, { ...SEED_PIPELINE_RUN, status: 'RUNNING', run_number: 3 });
    await shows('"runNumber": 3');
    expect((await page.textContent('.graphiql-response')) ?? '').toContain('"status": "RUNNING"');
    expect(sockets).toEqual([`${gw.url.replace('http', 'ws')}/graphql`]);
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused/i.test(e))).toEqual([]);
    mkdirSync(OUTPUT, { recursive: true });
    await page.screenshot({ path: path.join(OUTPUT, 'ide-subscription.png'), fullPage: true });
    gw.sims.pipeline.setRun(SIMULATED.codeartsProjectId, PIPELINE_ID, SEED_PIPELINE_RUN);
  }, 90_000);
});

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { TestOidcProvider, signingKey } from '../helpers/oidc-provider';

/**
 * The IDE with end-user sign-in on: a person pastes a token the OIDC provider issued into the
 * "User token" field, and the IDE's requests carry it as the bearer (the schema loads with it).
 */
const CHROMIUM = '/usr/bin/chromium';
const AUDIENCE = 'https://gateway.test/graphql';

const hasChromium = existsSync(CHROMIUM);
if (!hasChromium) process.stdout.write(`SKIPPED test/e2e/ide-sign-in.test.ts: ${CHROMIUM} is absent\n`);
const describeWithChromium = hasChromium ? describe : describe.skip;

describeWithChromium('the IDE with a user token', () => {
  let provider: TestOidcProvider;
  let gw: TestGateway;
  let context: BrowserContext;
  let profileDir: string;

  beforeAll(async () => {
    provider = await TestOidcProvider.start({
      keys: [await signingKey('ide-k1')],
      audience: AUDIENCE,
      clients: [{ clientId: 'ide-user', secret: 'ide-user-secret-0123456789', scope: 'gateway:read' }],
    });
    gw = await startTestGateway({ redis: false, env: { AUTH_JWT_ISSUER: provider.issuer, AUTH_JWT_AUDIENCE: AUDIENCE } });
    profileDir = mkdtempSync(path.join(tmpdir(), 'ide-sign-in-profile-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
  }, 60_000);

  afterAll(async () => {
    await context?.close();
    await gw?.close();
    await provider?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
  });

  it('sends the pasted token as the bearer and loads the schema with it', async () => {
    const token = await provider.token('ide-user');
    const page = await context.newPage();
    await page.goto(`${gw.url}/graphql`, { waitUntil: 'load' });
    await page.waitForSelector('.graphiql-container', { timeout: 20_000 });
    await expect(page.textContent('#ide-status')).resolves.toBe('a gateway key or a user token is required');
    const introspection = page.waitForRequest(
      (req) => (req.postData() ?? '').includes('IntrospectionQuery') && req.headers()['authorization'] === `Bearer ${token}`,
    );
    await page.fill('#user-token', token);
    await page.press('#user-token', 'Enter');
    await expect(page.textContent('#ide-status')).resolves.toBe('user token set');
    expect((await (await introspection).response())?.status()).toBe(200);
  }, 90_000);
});

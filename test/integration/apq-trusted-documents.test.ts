import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { loadConfig } from '../../src/config';
import { createGateway } from '../../src/gateway';
import { captureLogger, startTestGateway, type TestGateway } from '../helpers/gateway';

/**
 * Trusted documents: with TRUSTED_DOCUMENTS naming a manifest, only the listed operations run,
 * by APQ id or by their exact text; anything else is refused before any upstream call.
 */
const LISTED = `query PipelineStatus($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`;
const INFO = `query Info { gatewayInfo { version } }`;
const UNLISTED = `query Sneaky($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status executorName } } }`;
const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const VARIABLES = { ids: ['d19799d619424b2bb2625ec2d93ea087'] };

interface Answer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: Array<{ message: string; extensions?: { code?: string } }> };
}

function post(gw: TestGateway, payload: Record<string, unknown>): Promise<Answer> {
  return gw.post<Answer['body']>(payload);
}

const byId = (query: string) => ({ extensions: { persistedQuery: { version: 1, sha256Hash: sha(query) } }, variables: VARIABLES });

describe('trusted documents', () => {
  let dir: string;
  let gw: TestGateway;

  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'trusted-docs-'));
    const manifest = path.join(dir, 'persisted-query-manifest.json');
    writeFileSync(
      manifest,
      JSON.stringify({
        format: 'apollo-persisted-query-manifest',
        version: 1,
        operations: [
          { id: sha(LISTED), name: 'PipelineStatus', type: 'query', body: LISTED },
          { id: sha(INFO), name: 'Info', type: 'query', body: INFO },
        ],
      }),
    );
    gw = await startTestGateway({ env: { TRUSTED_DOCUMENTS: manifest } });
  });

  afterAll(async () => {
    await gw?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs a listed operation sent by id only', async () => {
    const res = await post(gw, byId(LISTED));
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ pipelines: [{ id: VARIABLES.ids[0], latestRun: { status: 'FAILED' } }] });
  });

  it('runs a listed operation sent as its exact text', async () => {
    const res = await post(gw, { query: INFO });
    expect(res.body.errors).toBeUndefined();
    expect(res.body.data).toEqual({ gatewayInfo: { version: expect.any(String) } });
  });

  it('refuses any other document before calling an upstream', async () => {
    const before = gw.sims.pipeline.callCount('/v5/');
    const res = await post(gw, { query: UNLISTED, variables: VARIABLES });
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors?.[0]?.extensions?.code).toBe('QUERY_NOT_IN_SAFELIST');
    expect(gw.sims.pipeline.callCount('/v5/')).toBe(before);
  });

  it('does not let a client add to the list through APQ registration', async () => {
    const unknown = await post(gw, byId(UNLISTED));
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
    const register = await post(gw, { query: UNLISTED, ...byId(UNLISTED) });
    expect(register.body.errors?.[0]?.extensions?.code).toBe('QUERY_NOT_IN_SAFELIST');
    const again = await post(gw, byId(UNLISTED));
    expect(again.body.errors?.[0]?.extensions?.code).toBe('PERSISTED_QUERY_NOT_FOUND');
  });
});

describe('a trusted-documents manifest that cannot be used', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'trusted-docs-bad-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const start = (file: string) =>
    createGateway(loadConfig({ PORT: '0', HOST: '127.0.0.1', SIMULATE: '1', TRUSTED_DOCUMENTS: file }), { logger: captureLogger() });

  it('stops the start with one line naming the variable', async () => {
    await expect(start(path.join(dir, 'missing.json'))).rejects.toThrow(/^TRUSTED_DOCUMENTS: .*missing\.json: file not found$/);

    const mismatched = path.join(dir, 'mismatched.json');
    writeFileSync(mismatched, JSON.stringify({ [sha(INFO)]: LISTED }));
    await expect(start(mismatched)).rejects.toThrow(/^TRUSTED_DOCUMENTS: .*is not the SHA-256 of its document$/);

    const notManifest = path.join(dir, 'list.json');
    writeFileSync(notManifest, JSON.stringify([LISTED]));
    await expect(start(notManifest)).rejects.toThrow(/^TRUSTED_DOCUMENTS: .*not an Apollo persisted query manifest/);
  });

  it('also reads a plain {"sha256": "document"} map: what it lists runs, the rest is refused', async () => {
    const map = path.join(dir, 'map.json');
    writeFileSync(map, JSON.stringify({ [sha(INFO)]: INFO, [sha(LISTED)]: LISTED }));
    const gw = await startTestGateway({ env: { TRUSTED_DOCUMENTS: map } });
    try {
      const byText = await post(gw, { query: INFO });
      expect(byText.body).toEqual({ data: { gatewayInfo: { version: expect.any(String) } } });
      const listed = await post(gw, byId(LISTED));
      expect(listed.body).toEqual({ data: { pipelines: [{ id: VARIABLES.ids[0], latestRun: { status: 'FAILED' } }] } });
      const unlisted = await post(gw, { query: UNLISTED, variables: VARIABLES });
      expect(unlisted.body.errors?.[0]?.extensions?.code).toBe('QUERY_NOT_IN_SAFELIST');
    } finally {
      await gw.close();
    }
  });
});

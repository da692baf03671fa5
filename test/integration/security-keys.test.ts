import { Writable } from 'node:stream';
import pino from 'pino';
import { keyIdOf } from '../../src/auth/key-policy';
import { REDACTED_PATHS } from '../../src/observability/logger';
import { startTestGateway, type TestGateway } from '../helpers/gateway';
import { logCapture } from '../helpers/log-capture';
import { pipelineIds } from '../helpers/ids';
import { CALLBACK_PASSWORD, GATEWAY_KEY, GATEWAY_KEY_2 } from '../helpers/secrets';

const READ_ONLY = GATEWAY_KEY;
const LIMITED = GATEWAY_KEY_2;
const OTHER_PROJECT = 'ffffffffffffffffffffffffffffffff';

/** A logger that feeds the suite-wide secret scan and keeps this test's lines to read back. */
function recordingLogger() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      const text = chunk.toString('utf8');
      logCapture.push(text);
      for (const line of text.split('\n')) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  // LOG_LEVEL warn: audit lines must still come through.
  return { lines, logger: pino({ level: 'warn', redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, stream) };
}

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('per-key scopes, rate limits and the audit log', () => {
  let gw: TestGateway;
  let lines: Array<Record<string, unknown>>;
  beforeAll(async () => {
    const rec = recordingLogger();
    lines = rec.lines;
    gw = await startTestGateway({
      redis: false,
      deps: { logger: rec.logger },
      env: {
        GATEWAY_API_KEYS: `${READ_ONLY},${LIMITED}`,
        GATEWAY_API_KEY_POLICIES: JSON.stringify({
          [keyIdOf(READ_ONLY)]: { name: 'dashboard', readOnly: true, projects: ['54f90b75fc1447b1b65e8d3a9f77923d'] },
          [keyIdOf(LIMITED)]: { name: 'ops-bot', requestsPerMinute: 5 },
        }),
      },
    });
  });
  afterAll(() => gw.close());
  beforeEach(() => {
    for (const s of gw.sims.all()) s.resetCalls();
  });

  const audits = () => lines.filter((l) => l.audit === 'mutation');

  it('a read-only key may query', async () => {
    const res = await gw.query(`{ pipeline(id: "${pipelineIds(1, 'ro')[0]}") { id } }`, undefined, auth(READ_ONLY));
    expect(res.status).toBe(200);
    expect(res.body.errors).toBeUndefined();
  });

  it('a read-only key is refused a mutation with 403 FORBIDDEN before any upstream call, and the refusal is audited', async () => {
    const res = await gw.query(`mutation Reset { resetArtifactPassword { ok } }`, undefined, auth(READ_ONLY));
    expect(res.status).toBe(403);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toHaveLength(1);
    expect(res.body.errors?.[0]).toMatchObject({
      message: 'This gateway key is read-only: mutations are refused',
      extensions: { code: 'FORBIDDEN' },
    });
    expect(gw.sims.artifact.callCount() + gw.sims.iam.callCount()).toBe(0);
    expect(audits().at(-1)).toMatchObject({
      audit: 'mutation',
      keyId: keyIdOf(READ_ONLY),
      keyName: 'dashboard',
      operationName: 'Reset',
      fields: [{ field: 'resetArtifactPassword', arguments: [] }],
      outcome: 'refused',
      errorCodes: ['FORBIDDEN'],
    });
  });

  it('a key limited to projects is refused another project, given inline or in variables', async () => {
    const [id] = pipelineIds(1, 'proj');
    const inline = await gw.query(`{ pipeline(projectId: "${OTHER_PROJECT}", id: "${id}") { id } }`, undefined, auth(READ_ONLY));
    expect(inline.status).toBe(403);
    expect(inline.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    const viaVariables = await gw.query(
      `query($p: ID) { pipeline(projectId: $p, id: "${id}") { id } }`,
      { p: OTHER_PROJECT },
      auth(READ_ONLY),
    );
    expect(viaVariables.status).toBe(403);
    expect(gw.sims.pipeline.callCount()).toBe(0);
  });

  it('every mutation is audited with the key id, the fields and argument names, never the argument values', async () => {
    const list = await gw.query(`{ recordings(first: 1) { nodes { id callId } } }`, undefined, auth(LIMITED));
    const node = (list.body.data?.recordings as { nodes: Array<{ id: string; callId: string }> }).nodes[0];
    expect(node).toBeDefined();
    const res = await gw.query(
      `mutation Transcribe($input: TranscriptionRequestInput) {
        requestTranscription(callId: "${node?.callId}", recordingId: "${node?.id}", input: $input) { ok }
      }`,
      { input: { callbackUrl: 'https://example.com/cb', username: 'cb-user', password: CALLBACK_PASSWORD } },
      auth(LIMITED),
    );
    expect(res.body.errors).toBeUndefined();
    const line = audits().at(-1);
    expect(line).toMatchObject({
      keyId: keyIdOf(LIMITED),
      keyName: 'ops-bot',
      operationName: 'Transcribe',
      fields: [{ field: 'requestTranscription', arguments: ['callId', 'recordingId', 'input'] }],
      outcome: 'ok',
      callerToken: false,
    });
    expect(typeof line?.requestId).toBe('string');
    expect(JSON.stringify(lines)).not.toContain(CALLBACK_PASSWORD);
    // Nor did the password reach anything but Bandwidth.
    expect(JSON.stringify(gw.sims.bandwidth.calls.at(-1)?.body)).toContain('callback');
  });

  it('a failed mutation is audited as failed with its error code', async () => {
    gw.sims.artifact.inject({ kind: 'status', status: 503 });
    try {
      await gw.query(`mutation { resetArtifactPassword { ok } }`, undefined, auth(LIMITED));
    } finally {
      gw.sims.artifact.clearFaults();
    }
    expect(audits().at(-1)).toMatchObject({ keyId: keyIdOf(LIMITED), outcome: 'failed', errorCodes: ['UPSTREAM_UNAVAILABLE'] });
  });

  it('a key past its rate answers 429 RATE_LIMITED with Retry-After; other keys are not affected', async () => {
    let limited: Awaited<ReturnType<TestGateway['query']>> | undefined;
    for (let i = 0; i < 10 && !limited; i++) {
      const res = await gw.query(`{ gatewayInfo { version } }`, undefined, auth(LIMITED));
      if (res.status === 429) limited = res;
    }
    expect(limited?.body.errors?.[0]).toMatchObject({
      message: 'This gateway key sent too many requests',
      extensions: { code: 'RATE_LIMITED' },
    });
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await gw.query(`{ gatewayInfo { version } }`, undefined, auth(READ_ONLY))).status).toBe(200);
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/gateway_operations_refused_total\{reason="rate"\} [1-9]/);
    expect(metrics).toMatch(/gateway_operations_refused_total\{reason="scope"\} [1-9]/);
  });
});

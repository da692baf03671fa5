import { Writable } from 'node:stream';
import { createLogger } from '../../src/observability/logger';
import { logCapture } from '../helpers/log-capture';
import { startTestGateway, type TestGateway } from '../helpers/gateway';

/**
 * Request ids: accepted from `X-Request-Id` (or made up), returned in it, and on every log line
 * written while serving that request — also the lines of code that holds only the gateway-wide
 * logger (upstream calls, error masking). Uses the gateway's real logger, writing JSON.
 */
describe('request ids in logs', () => {
  const lines: string[] = [];
  let gw: TestGateway;

  beforeAll(async () => {
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        const text = chunk.toString('utf8');
        lines.push(...text.split('\n').filter(Boolean));
        logCapture.push(text);
        done();
      },
    });
    gw = await startTestGateway({ deps: { logger: createLogger({ level: 'debug', destination }) } });
  });

  afterAll(async () => {
    await gw?.close();
  });

  const parsed = () => lines.map((l) => JSON.parse(l) as { requestId?: string; msg?: string; upstream?: string });

  it('returns the caller’s X-Request-Id and puts it on every line of that request, upstream calls included', async () => {
    const res = await gw.query(
      `query PipelineStatuses($ids: [ID!]!) { pipelines(ids: $ids) { id latestRun { status } } }`,
      { ids: ['d19799d619424b2bb2625ec2d93ea087'] },
      { 'x-request-id': 'req-obs-42' },
    );
    expect(res.body.errors).toBeUndefined();
    expect(res.headers.get('x-request-id')).toBe('req-obs-42');

    const mine = parsed().filter((l) => l.requestId === 'req-obs-42');
    const upstreamCalls = mine.filter((l) => l.msg === 'upstream call').map((l) => l.upstream);
    expect(upstreamCalls).toEqual(expect.arrayContaining(['iam', 'pipeline']));
    expect(mine.some((l) => l.msg === 'request')).toBe(true);
    // Every upstream call line of the whole log belongs to a request.
    expect(parsed().filter((l) => l.msg === 'upstream call' && !l.requestId)).toEqual([]);
    // A line names its request once, whether its logger was bound to it or not.
    for (const line of lines) expect(line.match(/"requestId"/g)?.length ?? 0).toBeLessThanOrEqual(1);
  });

  it('makes up an id when the caller sends none or an unusable one', async () => {
    const none = await gw.query(`{ gatewayInfo { version } }`);
    expect(none.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const unusable = await gw.query(`{ gatewayInfo { version } }`, undefined, { 'x-request-id': 'has spaces and {braces}' });
    expect(unusable.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines.join('\n')).not.toContain('has spaces');
  });
});

import { GraphQLError } from 'graphql';
import { ConfigError, loadConfig } from '../../src/config';
import { LiveSubscription, type LiveEvent } from '../../src/live/live-subscription';
import { UpstreamHttpError } from '../../src/errors';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig({ SIMULATE: '1', ...env });
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('live updates configuration', () => {
  it('polls every 5 s by default, with limits on connections, callers, ids and buffered events', () => {
    expect(loadConfig({ SIMULATE: '1' }).live).toEqual({
      pollIntervalMs: 5000,
      maxSubscriptionsPerConnection: 100,
      maxSubscriptionsPerCaller: 1000,
      maxIdsPerSubscription: 100,
      maxBufferedEvents: 256,
    });
  });

  it.each([
    ['LIVE_POLL_INTERVAL_MS', '999', 'must be between 1000 and 3600000'],
    ['LIVE_POLL_INTERVAL_MS', '5s', 'must be a whole number'],
    ['LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION', '0', 'must be between 1 and 10000'],
    ['LIVE_MAX_SUBSCRIPTIONS_PER_CALLER', '0', 'must be between 1 and 1000000'],
    ['LIVE_MAX_IDS_PER_SUBSCRIPTION', '1001', 'must be between 1 and 1000'],
    ['LIVE_MAX_BUFFERED_EVENTS', '-1', 'must be a whole number'],
  ])('refuses %s=%s with an error naming the variable', (variable, value, message) => {
    const err = configError({ [variable]: value });
    expect(err.message).toBe(`${variable}: ${message}`);
  });
});

describe('a subscription that does not keep up', () => {
  const events = (sub: LiveSubscription) => {
    const out: LiveEvent[] = [];
    return {
      out,
      async drain() {
        for (;;) {
          const step = await sub.next();
          if (step.done) return out;
          out.push(step.value);
        }
      },
    };
  };

  it('is dropped once more than maxBuffered events wait: one SLOW_CONSUMER error, then the end', async () => {
    let ended = 0;
    let dropped = 0;
    const sub = new LiveSubscription(['a'], { kind: 'pipeline', maxBuffered: 3, onEnd: () => ended++, onDropped: () => dropped++ });
    for (let i = 0; i < 10; i++) sub.offer('a', { n: i });
    const got = await events(sub).drain();
    expect(got.map((e) => (e.value instanceof GraphQLError ? e.value.extensions.code : e.value))).toEqual(['SLOW_CONSUMER']);
    expect(dropped).toBe(1);
    expect(ended).toBe(1);
    sub.offer('a', { n: 11 });
    expect((await sub.next()).done).toBe(true);
  });

  it('keeps up to maxBuffered events for a consumer that reads late', async () => {
    const sub = new LiveSubscription(['a'], { kind: 'pipeline', maxBuffered: 3, onEnd: () => undefined });
    for (let i = 0; i < 3; i++) sub.offer('a', { n: i });
    const first = await Promise.all([sub.next(), sub.next(), sub.next()]);
    expect(first.map((s) => (s.done ? undefined : s.value))).toEqual([0, 1, 2].map((n) => ({ id: 'a', value: { n }, final: false })));
  });

  it('ends after a final state, and after an upstream refusing the credential (UNAUTHENTICATED)', async () => {
    const job = new LiveSubscription(['1'], { kind: 'job', maxBuffered: 5, onEnd: () => undefined });
    job.offer('1', { id: '1', status: 'PROCESSING' });
    job.offer('1', { id: '1', status: 'COMPLETE' });
    job.offer('1', { id: '1', status: 'COMPLETE', later: true });
    expect((await events(job).drain()).map((e) => e.final)).toEqual([false, true]);

    const pipeline = new LiveSubscription(['p'], { kind: 'pipeline', maxBuffered: 5, onEnd: () => undefined });
    pipeline.offer('p', new UpstreamHttpError('pipeline', 401, {}, undefined, undefined, 'token expired'));
    const got = await events(pipeline).drain();
    expect(got).toHaveLength(1);
    expect((got[0]?.value as GraphQLError).extensions).toMatchObject({ code: 'UNAUTHENTICATED', upstream: 'pipeline', status: 401 });
  });

  it('return() ends it at once, even while a next() waits', async () => {
    let ended = 0;
    const sub = new LiveSubscription(['a'], { kind: 'pipeline', maxBuffered: 3, onEnd: () => ended++ });
    const waiting = sub.next();
    await sub.return();
    expect(await waiting).toEqual({ value: undefined, done: true });
    expect(ended).toBe(1);
  });
});

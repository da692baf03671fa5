import type { IncomingMessage, ServerResponse } from 'node:http';
import { GraphQLError, type ExecutionResult } from 'graphql';
import { createHandler, type Response as SseResponse } from 'graphql-sse';
import { principalOf, type Principal } from '../auth/principal';
import { callerTokenOf, sendAuthRefusal } from '../http/auth-refusal';
import type { RouteHandler } from '../server';
import type { Cancellation } from '../runtime/cancellation';
import { executeLive, prepareLiveOperation, type LiveOperationDeps } from './operation';

const PATH = '/graphql/stream';

/** graphql-sse types its context as a plain record; ours is an `OperationContext` (src/context.ts). */
type LiveContext = Record<PropertyKey, unknown>;

interface StreamState {
  principal: Principal;
  authorization: string | undefined;
  res: ServerResponse;
  /** Events handed to graphql-sse, and events written to the socket: the difference waits in memory. */
  emitted: number;
  written: number;
  cancellation?: Cancellation;
}

function refusal(errors: readonly GraphQLError[]): SseResponse {
  const code = errors[0]?.extensions.code;
  const status = code === 'FORBIDDEN' ? 403 : code === 'UNAUTHENTICATED' ? 401 : 400;
  return [
    JSON.stringify({ errors: errors.map((e) => e.toJSON()) }),
    {
      status,
      statusText: status === 400 ? 'Bad Request' : status === 401 ? 'Unauthorized' : 'Forbidden',
      headers: { 'content-type': 'application/json; charset=utf-8' },
    },
  ];
}

/**
 * Subscriptions over Server-Sent Events at `/graphql/stream` (the graphql-sse protocol, distinct
 * connections mode only: one subscription per request, `Accept: text/event-stream`, GET or POST).
 * Authenticated like `POST /graphql` (the `Authorization` header; HTTP 401 without a valid one)
 * before the body is read, then checked as a query would be. The response is written here (not
 * by graphql-sse's own Node adapter) so that a client reading slower than events come is
 * dropped once LIVE_MAX_BUFFERED_EVENTS wait, instead of being buffered without bound.
 */
export function createLiveStreamRoute(deps: LiveOperationDeps): RouteHandler {
  const { services } = deps;
  const states = new WeakMap<IncomingMessage, StreamState>();
  const byContext = new WeakMap<object, StreamState>();
  const handler = createHandler<IncomingMessage, { res: ServerResponse }, LiveContext>({
    schema: deps.schema,
    // No reservations (single connection mode): every stream is one subscription of its own.
    authenticate: () => null,
    onSubscribe(req, params) {
      const state = states.get(req.raw);
      if (!state) return refusal([new GraphQLError('Not authenticated', { extensions: { code: 'UNAUTHENTICATED' } })]);
      const prepared = prepareLiveOperation(deps, state.principal, params);
      if ('errors' in prepared) return refusal(prepared.errors);
      state.cancellation = prepared.cancellation;
      byContext.set(prepared.args.contextValue, state);
      return { ...prepared.args, contextValue: prepared.args.contextValue as unknown as LiveContext };
    },
    async subscribe(args) {
      const state = byContext.get(args.contextValue);
      if (!state?.cancellation)
        return { errors: [new GraphQLError('Subscription not prepared', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
      const results = await executeLive(args, {
        transport: 'sse',
        deps,
        cancellation: state.cancellation,
        stillAuthenticated: async () => (await services.authenticator.identify(state.authorization)).ok,
      });
      return Symbol.asyncIterator in results ? bounded(results, state, services.config.live.maxBufferedEvents) : results;
    },
  });

  return async (req, res, { url, requestId }) => {
    if (url.pathname !== PATH) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'POST') {
      res.writeHead(405, { allow: 'GET, HEAD, POST', 'content-type': 'application/json; charset=utf-8' });
      res.end(
        JSON.stringify({
          errors: [{ message: 'Subscribe with GET or POST (Accept: text/event-stream)', extensions: { code: 'BAD_REQUEST' } }],
        }),
      );
      return true;
    }
    const authorization = req.headers.authorization;
    const auth = await services.authenticator.authenticate(authorization);
    if (!auth.ok) {
      sendAuthRefusal(res, auth, services.metrics);
      return true;
    }
    if (req.method === 'HEAD') {
      // HEAD is GET without the body (RFC 9110): a stream's headers, and no subscription started.
      res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
      res.end();
      return true;
    }
    const principal = principalOf(auth, requestId, callerTokenOf(req.headers['x-auth-token']));
    const state: StreamState = { principal, authorization, res, emitted: 0, written: 0 };
    states.set(req, state);
    const [body, init] = await handler({
      method: req.method,
      url: req.url ?? PATH,
      headers: {
        get(key: string) {
          const value = req.headers[key];
          return Array.isArray(value) ? value.join('\n') : value;
        },
      },
      body: () => readText(req, services.config.maxBodyBytes),
      raw: req,
      context: { res },
    });
    res.writeHead(init.status, init.statusText, init.headers);
    if (!body || typeof body === 'string') {
      res.end(body ?? undefined);
      return true;
    }
    const gauge = services.metrics.liveConnections.labels('sse');
    gauge.inc();
    res.once('close', () => void body.return(undefined));
    try {
      for await (const message of body) {
        if (res.destroyed) break;
        await new Promise<void>((resolve) => res.write(message, () => resolve()));
        if (message.startsWith('event: next')) state.written += 1;
      }
    } finally {
      gauge.dec();
      if (!res.destroyed) res.end();
    }
    return true;
  };
}

/**
 * The results, counted as they are handed to graphql-sse (which queues them unbounded until they
 * are written): once more than `max` wait, the client is dropped with a SLOW_CONSUMER error.
 */
function bounded(results: AsyncIterableIterator<ExecutionResult>, state: StreamState, max: number): AsyncIterableIterator<ExecutionResult> {
  let dropped = false;
  const iterator: AsyncIterableIterator<ExecutionResult> = {
    async next() {
      if (dropped) return iterator.return ? iterator.return() : { done: true, value: undefined };
      const step = await results.next();
      if (step.done) return step;
      if (state.emitted - state.written >= max) {
        dropped = true;
        return {
          done: false,
          value: {
            errors: [
              new GraphQLError(`Subscription dropped: the client did not keep up (more than ${max} events waiting)`, {
                extensions: { code: 'SLOW_CONSUMER', max },
              }),
            ],
          },
        };
      }
      state.emitted += 1;
      return step;
    },
    async return() {
      await results.return?.();
      return { done: true, value: undefined };
    },
    async throw() {
      await results.return?.();
      return { done: true, value: undefined };
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
  };
  return iterator;
}

async function readText(req: IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new GraphQLError('Request body is too large', { extensions: { code: 'BAD_REQUEST' } });
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

import type http from 'node:http';
import { randomUUID } from 'node:crypto';
import { GraphQLError, type ExecutionArgs } from 'graphql';
import { WebSocketServer, type WebSocket } from 'ws';
import { useServer } from 'graphql-ws/use/ws';
import { principalOf } from '../auth/principal';
import { refusalExtensions } from '../auth/authenticate';
import type { OperationContext } from '../context';
import { liveLimitError } from './live-hub';
import { executeLive, prepareLiveOperation, type LiveOperationDeps } from './operation';
import type { Cancellation } from '../runtime/cancellation';

/** What one WebSocket connection established at `connection_init`. */
interface Connection {
  /** The credential as sent (`Bearer ...`), checked again at every subscribe; never logged. */
  authorization: string | undefined;
  callerToken: string | undefined;
  /** Operation ids open on this connection. */
  active: Set<string>;
}

export interface LiveWebSocket {
  /** Closes every connection (1001 going away). */
  close(): Promise<void>;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A connection parameter by any of its usual spellings (`authorization`, `Authorization`). */
function param(params: Readonly<Record<string, unknown>> | undefined, name: string): string | undefined {
  if (!params) return undefined;
  for (const [k, v] of Object.entries(params)) if (k.toLowerCase() === name) return text(v);
  return undefined;
}

/**
 * Subscriptions over WebSocket at `/graphql` (the `graphql-transport-ws` protocol, the graphql-ws
 * library's server on `ws`), on the gateway's own HTTP server. The credential comes in
 * `connectionParams.authorization` (browsers cannot set headers on a WebSocket) or the upgrade
 * request's `Authorization` header; a missing or wrong one closes the connection with 4403. Each
 * subscribe is checked again (rate, a token that expired since) and as a query would be
 * (limits, key scopes); at most LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION at once.
 */
export function attachLiveWebSocket(server: http.Server, deps: LiveOperationDeps): LiveWebSocket {
  const { services } = deps;
  const wss = new WebSocketServer({ noServer: true, maxPayload: services.config.maxBodyBytes });
  const connections = new WeakMap<WebSocket, Connection>();
  const running = new WeakMap<object, { cancellation: Cancellation; connection: Connection }>();

  server.on('upgrade', (req: http.IncomingMessage, socket, head) => {
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });
  wss.on('connection', (ws: WebSocket) => {
    const gauge = services.metrics.liveConnections.labels('websocket');
    gauge.inc();
    ws.once('close', () => gauge.dec());
  });

  const disposable = useServer(
    {
      schema: deps.schema,
      connectionInitWaitTimeout: 10_000,
      async onConnect(ctx) {
        const params = ctx.connectionParams;
        const authorization = param(params, 'authorization') ?? text(ctx.extra.request.headers.authorization);
        const auth = await services.authenticator.authenticate(authorization);
        if (!auth.ok) {
          if (auth.retryAfterSeconds !== undefined) services.metrics.operationsRefused.inc({ reason: 'rate' });
          return false;
        }
        const header = ctx.extra.request.headers['x-auth-token'];
        connections.set(ctx.extra.socket, {
          authorization,
          callerToken: param(params, 'x-auth-token') ?? (typeof header === 'string' ? text(header) : undefined),
          active: new Set(),
        });
        return true;
      },
      async onSubscribe(ctx, id, payload): Promise<ExecutionArgs | readonly GraphQLError[]> {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return [new GraphQLError('The connection is not initialised', { extensions: { code: 'UNAUTHENTICATED' } })];
        const max = services.config.live.maxSubscriptionsPerConnection;
        if (connection.active.size >= max) {
          services.metrics.operationsRefused.inc({ reason: 'limit' });
          return [
            liveLimitError(
              'subscriptionsPerConnection',
              max,
              `This connection already holds ${max} subscriptions (LIVE_MAX_SUBSCRIPTIONS_PER_CONNECTION): end one first`,
            ),
          ];
        }
        const auth = await services.authenticator.authenticate(connection.authorization);
        if (!auth.ok) {
          if (auth.retryAfterSeconds !== undefined) services.metrics.operationsRefused.inc({ reason: 'rate' });
          return [new GraphQLError(auth.message, { extensions: refusalExtensions(auth) })];
        }
        const principal = principalOf(auth, randomUUID(), connection.callerToken);
        const prepared = prepareLiveOperation(deps, principal, payload);
        if ('errors' in prepared) return prepared.errors;
        connection.active.add(id);
        running.set(prepared.args.contextValue, { cancellation: prepared.cancellation, connection });
        return prepared.args;
      },
      async subscribe(args) {
        const context = args.contextValue as OperationContext;
        const run = running.get(context);
        if (!run) return { errors: [new GraphQLError('Subscription not prepared', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] };
        return executeLive(args, {
          transport: 'websocket',
          deps,
          cancellation: run.cancellation,
          stillAuthenticated: async () => (await services.authenticator.identify(run.connection.authorization)).ok,
        });
      },
      onComplete(ctx, id) {
        connections.get(ctx.extra.socket)?.active.delete(id);
      },
    },
    wss,
  );

  return {
    async close() {
      await disposable.dispose();
    },
  };
}

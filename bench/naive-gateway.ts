import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap } from '@apollo/server';
import { makeExecutableSchema } from '@graphql-tools/schema';
import { Agent, request } from 'undici';
import type { UpstreamName } from '../src/config';
import { loadTypeDefs } from '../src/gateway';
import { DateTimeScalar, JSONScalar } from '../src/resolvers/scalars';
import { SIMULATED } from '../src/simulators/defaults';
import { mapPipelineRun } from '../src/upstreams/pipeline/mapping';

/**
 * The naive baseline the benchmark compares the gateway with: the SAME schema and the same
 * GraphQL server (Apollo), but resolvers that call the upstream for every field that needs
 * data, as a first version written without thought for the upstreams would: no DataLoader
 * (20 pipelines = 20 status calls), no shared cache, no coalescing. It logs in to IAM once at
 * start (logging in per request would be a strawman), and answers only the fields of the
 * benchmark's dashboard query.
 */
export interface NaiveGatewayOptions {
  endpoints: Partial<Record<UpstreamName, string>>;
  port?: number;
  /** Most open connections to each upstream, as the gateway's UPSTREAM_CONNECTIONS. Default 64. */
  connections?: number;
}

export interface NaiveGateway {
  url: string;
  close(): Promise<void>;
}

interface Upstream {
  get(path: string, headers: Record<string, string>): Promise<unknown>;
  post(
    path: string,
    body: unknown,
    headers: Record<string, string>,
  ): Promise<{ body: unknown; headers: Record<string, string | string[] | undefined> }>;
}

function upstream(base: string | undefined, dispatcher: Agent): Upstream {
  const call = async (method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown) => {
    if (!base) throw new Error('upstream not configured');
    const res = await request(base + path, {
      method,
      headers: { accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      dispatcher,
    });
    const text = await res.body.text();
    if (res.statusCode >= 400) throw new Error(`upstream answered ${res.statusCode}`);
    return { body: text ? (JSON.parse(text) as unknown) : undefined, headers: res.headers };
  };
  return {
    get: async (path, headers) => (await call('GET', path, headers)).body,
    post: (path, body, headers) => call('POST', path, headers, body),
  };
}

const FORMATS = ['MAVEN2', 'NPM', 'GO', 'PYPI', 'RPM', 'DEBIAN', 'CONAN', 'NUGET', 'DOCKER', 'GENERIC'];
const JOB_STATUSES = ['REQUEST_RECEIVED', 'FAIL_TO_RECEIVE', 'READY_TO_PROCESS', 'PROCESSING', 'FAIL_TO_PROCESS', 'CANCELED', 'COMPLETE'];
const UNITS: Record<string, number> = { B: 1, KB: 1024, MB: 1024 ** 2, GB: 1024 ** 3, TB: 1024 ** 4 };

type Row = Record<string, unknown>;
const rowsOf = (value: unknown): Row[] => (Array.isArray(value) ? (value.filter((r) => r && typeof r === 'object') as Row[]) : []);
const str = (value: unknown): string | null => (typeof value === 'string' || typeof value === 'number' ? String(value) : null);

function connection<T>(nodes: T[], totalCount: number) {
  return {
    totalCount,
    nodes,
    edges: nodes.map((node, i) => ({ cursor: String(i), node })),
    pageInfo: {
      hasNextPage: totalCount > nodes.length,
      hasPreviousPage: false,
      startCursor: nodes.length ? '0' : null,
      endCursor: nodes.length ? String(nodes.length - 1) : null,
    },
  };
}

export async function startNaiveGateway(options: NaiveGatewayOptions): Promise<NaiveGateway> {
  const dispatcher = new Agent({ connections: options.connections ?? 64, keepAliveTimeout: 30_000 });
  const up = Object.fromEntries(
    (['iam', 'pipeline', 'artifact', 'bandwidth', 'comestri'] as const).map((name) => [
      name,
      upstream(options.endpoints[name], dispatcher),
    ]),
  ) as Record<'iam' | 'pipeline' | 'artifact' | 'bandwidth' | 'comestri', Upstream>;

  const login = await up.iam.post(
    '/v3/auth/tokens',
    {
      auth: {
        identity: {
          methods: ['password'],
          password: { user: { name: SIMULATED.iam.username, password: SIMULATED.iam.password, domain: { name: SIMULATED.iam.domain } } },
        },
        scope: { project: { name: SIMULATED.iam.project } },
      },
    },
    {},
  );
  const token = String(login.headers['x-subject-token'] ?? '');
  const huawei = { 'X-Auth-Token': token };
  const bandwidthAuth = {
    authorization: 'Basic ' + Buffer.from(`${SIMULATED.bandwidth.username}:${SIMULATED.bandwidth.password}`).toString('base64'),
  };
  const comestriAuth = { authorization: `Token token=${SIMULATED.comestri.token},email=${SIMULATED.comestri.email}` };
  const tenant = SIMULATED.domainId;
  const project = SIMULATED.codeartsProjectId;
  const account = SIMULATED.bandwidth.accountId;

  const schema = makeExecutableSchema({
    typeDefs: loadTypeDefs(),
    resolvers: {
      DateTime: DateTimeScalar,
      JSON: JSONScalar,
      Query: {
        gatewayInfo: () => ({ version: 'naive', simulated: true }),
        pipelines: (_root: unknown, args: { projectId?: string | null; ids: string[] }) =>
          args.ids.map((id) => ({ id, projectId: args.projectId ?? project })),
        repositories: async (_root: unknown, args: { first?: number | null }) => {
          const first = args.first ?? 20;
          const answer = (await up.artifact.get(
            `/cloudartifact/v5/${tenant}/${project}/repositories?page_no=1&page_size=${first}&is_need_paging=true`,
            huawei,
          )) as { result?: { total?: number; repositories?: unknown } };
          const rows = rowsOf(answer.result?.repositories).slice(0, first);
          return connection(
            rows.map((r) => ({
              id: str(r.name),
              name: str(r.repositoryName),
              format: FORMATS.find((f) => f === (str(r.format) ?? '').toUpperCase()) ?? null,
              region: str(r.region) ?? (str(r.name) ?? '').split('_')[0],
            })),
            Number(answer.result?.total ?? rows.length),
          );
        },
        recordings: async (_root: unknown, args: { first?: number | null }) => {
          const rows = rowsOf(await up.bandwidth.get(`/accounts/${account}/recordings`, bandwidthAuth));
          return connection(
            rows
              .slice(0, args.first ?? 20)
              .map((r) => ({ id: str(r.recordingId), callId: str(r.callId), duration: str(r.duration), status: str(r.status) })),
            rows.length,
          );
        },
        jobs: async (_root: unknown, args: { first?: number | null }) => {
          const page = (await up.comestri.get(`/api/v2/jobs?page=1&per_page=${args.first ?? 20}`, comestriAuth)) as {
            total_entries?: number;
            entries?: unknown;
          };
          const rows = rowsOf(page.entries);
          return connection(
            rows.map((r) => ({
              id: str(r.id),
              status: JOB_STATUSES.find((s) => s === (str(r.status) ?? '').toUpperCase()) ?? 'UNKNOWN',
              percentCompleted: typeof r.percent_completed === 'number' ? r.percent_completed : null,
            })),
            Number(page.total_entries ?? rows.length),
          );
        },
      },
      Pipeline: {
        // One status call per pipeline: what a resolver written per field does.
        latestRun: async (parent: { id: string; projectId: string }) => {
          const res = await up.pipeline.post(`/v5/${parent.projectId}/api/pipelines/status`, [parent.id], huawei);
          const row = rowsOf(res.body)[0];
          if (!row) return null;
          const run = mapPipelineRun(row, '+08:00');
          if (run instanceof Error) throw run;
          return run;
        },
      },
      Repository: {
        // One statistics call per repository, unbatched and uncached.
        storage: async (parent: { id: string; region: string }) => {
          const answer = (await up.artifact.get(
            `/cloudartifact/v5/${tenant}/${project}/${encodeURIComponent(parent.id)}/repositories?region=${encodeURIComponent(parent.region)}`,
            huawei,
          )) as { result?: { storageSummaryInfo?: { filesCount?: number; usedSpace?: string } | null } };
          const info = answer.result?.storageSummaryInfo;
          if (!info) return null;
          const m = /^([\d,.]+)\s*([KMGT]?B)$/i.exec(info.usedSpace ?? '');
          return {
            filesCount: info.filesCount ?? null,
            usedSpace: info.usedSpace ?? null,
            usedBytes: m ? Math.round(Number((m[1] ?? '0').replace(/,/g, '')) * (UNITS[(m[2] ?? 'B').toUpperCase()] ?? 1)) : null,
          };
        },
      },
    },
  });

  const apollo = new ApolloServer({ schema, csrfPrevention: true, introspection: false });
  await apollo.start();
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const map = new HeaderMap();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') map.set(k, v);
        const raw = Buffer.concat(chunks).toString('utf8');
        const result = await apollo.executeHTTPGraphQLRequest({
          httpGraphQLRequest: {
            method: req.method ?? 'POST',
            headers: map,
            search: '',
            body: raw ? (JSON.parse(raw) as unknown) : undefined,
          },
          context: async () => ({}),
        });
        for (const [k, v] of result.headers) res.setHeader(k, v);
        res.statusCode = result.status ?? 200;
        if (result.body.kind === 'complete') res.end(result.body.string);
        else {
          for await (const chunk of result.body.asyncIterator) res.write(chunk);
          res.end();
        }
      })().catch((err: unknown) => {
        res.statusCode = 500;
        res.end(JSON.stringify({ errors: [{ message: (err as Error).message }] }));
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await apollo.stop();
      await dispatcher.close();
    },
  };
}

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import type { RouteHandler } from '../server';
import { IDE_CLIENT_SCRIPT, IDE_STYLES } from './client-script';

const PREFIX = '/graphql/ide/';

interface AssetSource {
  contentType: string;
  load(): string | Buffer;
}

/** Directory of an installed package (its `exports` hide the UMD files from require.resolve). */
function packageDir(name: string): string {
  return path.dirname(require.resolve(`${name}/package.json`, { paths: [__dirname] }));
}

function fromPackage(pkg: string, file: string): () => Buffer {
  return () => readFileSync(path.join(packageDir(pkg), file));
}

const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/**
 * The IDE's files: GraphiQL 3's self-contained UMD build, React 18's and graphql-ws's UMD builds, straight
 * from the gateway's own dependencies (node_modules), plus the page's script and styles.
 */
const SOURCES: Record<string, AssetSource> = {
  'graphiql.min.js': { contentType: JS, load: fromPackage('graphiql', 'graphiql.min.js') },
  'graphiql.min.css': { contentType: CSS, load: fromPackage('graphiql', 'graphiql.min.css') },
  'react.production.min.js': { contentType: JS, load: fromPackage('react', 'umd/react.production.min.js') },
  'react-dom.production.min.js': { contentType: JS, load: fromPackage('react-dom', 'umd/react-dom.production.min.js') },
  // The graphql-ws client (global `graphqlWs`): GraphiQL runs subscriptions over it.
  'graphql-ws.min.js': { contentType: JS, load: fromPackage('graphql-ws', 'umd/graphql-ws.min.js') },
  'ide.js': { contentType: JS, load: () => IDE_CLIENT_SCRIPT },
  'ide.css': { contentType: CSS, load: () => IDE_STYLES },
};

interface LoadedAsset {
  contentType: string;
  body: Buffer;
  gzipped: Buffer;
  etag: string;
}

/**
 * Serves `GET /graphql/ide/<file>`. Files are read and gzipped once, on first request, and
 * kept in memory (about 1.5 MB, 400 kB gzipped). Like the IDE page they are open: gateway keys
 * guard operations, not the tool.
 */
export function createIdeAssetRoute(): RouteHandler {
  const loaded = new Map<string, LoadedAsset>();
  const load = (name: string): LoadedAsset | undefined => {
    const cached = loaded.get(name);
    if (cached) return cached;
    const source = SOURCES[name];
    if (!source) return undefined;
    const raw = source.load();
    const body = typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw;
    const asset = {
      contentType: source.contentType,
      body,
      gzipped: gzipSync(body),
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    };
    loaded.set(name, asset);
    return asset;
  };

  return async (req, res, { url }) => {
    if (!url.pathname.startsWith(PREFIX)) return false;
    const asset = load(url.pathname.slice(PREFIX.length));
    if (!asset || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('not found');
      return true;
    }
    const headers: Record<string, string | number> = {
      'content-type': asset.contentType,
      'cache-control': 'public, max-age=3600',
      etag: asset.etag,
      vary: 'accept-encoding',
      'x-content-type-options': 'nosniff',
    };
    if (req.headers['if-none-match'] === asset.etag) {
      res.writeHead(304, headers);
      res.end();
      return true;
    }
    const gzip = /\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''));
    const body = gzip ? asset.gzipped : asset.body;
    if (gzip) headers['content-encoding'] = 'gzip';
    headers['content-length'] = body.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };
}

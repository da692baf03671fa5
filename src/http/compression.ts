import type { IncomingMessage, ServerResponse } from 'node:http';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

const brotli = promisify(brotliCompress);
const gzipAsync = promisify(gzip);

export interface CompressionPolicy {
  enabled: boolean;
  /** Bodies shorter than this are sent as they are (compression would not pay). */
  minBytes: number;
}

/** The encoding to use for `accept-encoding` (q-values honoured; brotli preferred), or null. */
export function negotiateEncoding(acceptEncoding: string | undefined): 'br' | 'gzip' | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const qParam = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const value = qParam ? Number(qParam.slice(2)) : 1;
    q.set(name, Number.isFinite(value) ? value : 0);
  }
  const weight = (name: string) => q.get(name) ?? q.get('*') ?? 0;
  if (weight('br') > 0 && weight('br') >= weight('gzip')) return 'br';
  if (weight('gzip') > 0) return 'gzip';
  return null;
}

/**
 * Ends `res` with `body`, compressed when the client accepts it and the body is long enough.
 * Brotli runs at quality 4: most of its gain at a fraction of the CPU of its default 11.
 */
export async function endCompressed(req: IncomingMessage, res: ServerResponse, body: string, policy: CompressionPolicy): Promise<void> {
  const bytes = Buffer.from(body, 'utf8');
  const encoding = policy.enabled && bytes.length >= policy.minBytes ? negotiateEncoding(req.headers['accept-encoding']) : null;
  if (policy.enabled) res.setHeader('vary', appendVary(res.getHeader('vary'), 'Accept-Encoding'));
  if (!encoding) {
    res.setHeader('content-length', bytes.length);
    res.end(bytes);
    return;
  }
  const packed =
    encoding === 'br'
      ? await brotli(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: 4, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } })
      : await gzipAsync(bytes);
  res.setHeader('content-encoding', encoding);
  res.setHeader('content-length', packed.length);
  res.end(packed);
}

function appendVary(current: ReturnType<ServerResponse['getHeader']>, value: string): string {
  const existing = typeof current === 'string' ? current : Array.isArray(current) ? current.join(', ') : '';
  return existing ? `${existing}, ${value}` : value;
}

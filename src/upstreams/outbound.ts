import { rootCertificates } from 'node:tls';
import { Agent, ProxyAgent, type Dispatcher } from 'undici';
import type { OutboundConfig, UpstreamPolicy } from '../config';

/**
 * The connection pool of one upstream: a bounded undici Agent, or a ProxyAgent when an outbound
 * proxy applies to the upstream's host. Extra CAs are added to Node's public roots (an explicit
 * `ca` replaces the defaults, so the roots are passed along).
 */
export function createUpstreamDispatcher(base: URL, policy: UpstreamPolicy, outbound: OutboundConfig | undefined): Dispatcher {
  const ca = outbound?.extraCaCertificates.length ? [...rootCertificates, ...outbound.extraCaCertificates] : undefined;
  const tls = ca ? { ca } : {};
  const pool = {
    connections: policy.connections,
    // One request per connection at a time: a slow answer never holds up another behind it.
    pipelining: 1,
    keepAliveTimeout: 30_000,
  };
  const proxy = outbound && proxyFor(base, outbound);
  if (!proxy) return new Agent({ ...pool, connect: { timeout: policy.connectTimeoutMs, ...tls } });
  return new ProxyAgent({
    ...pool,
    uri: proxy,
    proxyTls: { timeout: policy.connectTimeoutMs, ...tls },
    requestTls: { timeout: policy.connectTimeoutMs, ...tls },
  });
}

/** The proxy for `url` (curl's rules: HTTPS_PROXY for https, HTTP_PROXY for http, NO_PROXY wins). */
export function proxyFor(url: URL, outbound: OutboundConfig): string | undefined {
  const proxy = url.protocol === 'https:' ? outbound.httpsProxy : outbound.httpProxy;
  if (!proxy) return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of outbound.noProxy) {
    if (entry === '*') return undefined;
    const [entryHost = '', entryPort] = entry.startsWith('[')
      ? [entry.slice(1, entry.indexOf(']')), entry.split(']:')[1]]
      : entry.split(':');
    if (entryPort && entryPort !== port) continue;
    const bare = entryHost.replace(/^\*?\./, '');
    if (host === bare || host.endsWith(`.${bare}`)) return undefined;
  }
  return proxy;
}

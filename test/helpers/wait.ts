/** Polls `check` every 100 ms until it answers true; fails the test after `timeoutMs`. */
export async function eventually(check: () => Promise<boolean>, timeoutMs = 8000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

export interface Readiness {
  status: number;
  body: { status: string; cache: { state: string }; upstreams: Record<string, { configured: boolean; breaker?: string }> };
}

/** GET /readyz of a gateway: HTTP status and body. */
export async function readiness(baseUrl: string): Promise<Readiness> {
  const res = await fetch(`${baseUrl}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness['body'] };
}

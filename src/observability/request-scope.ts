import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * The request an async call chain belongs to. The HTTP server opens a scope per request and
 * names it once the request id is known; the logger reads it, so every line written while
 * serving a request carries its `requestId`, including lines from code that only holds the
 * gateway-wide logger (the upstream client, error masking, Apollo's own logger).
 */
interface RequestScope {
  requestId?: string;
  /** Who the request is from (`key:<id>`, `user:<sub>`), once authenticated. */
  caller?: string;
}

const storage = new AsyncLocalStorage<RequestScope>();

/** Runs `fn` in a fresh request scope. */
export function runInRequestScope<T>(fn: () => T): T {
  return storage.run({}, fn);
}

/** Names the current scope's request (no-op outside a scope). */
export function setScopeRequestId(requestId: string): void {
  const scope = storage.getStore();
  if (scope) scope.requestId = requestId;
}

/** Names who the current scope's request is from (no-op outside a scope). */
export function setScopeCaller(caller: string | null): void {
  const scope = storage.getStore();
  if (scope && caller !== null) scope.caller = caller;
}

/** Who the request being served is from, if known. */
export function currentCaller(): string | undefined {
  return storage.getStore()?.caller;
}

/** The id of the request being served, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId;
}

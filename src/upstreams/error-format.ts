/** What an upstream says about a failed call, read from its own error format. */
export interface UpstreamErrorDetail {
  /** The upstream's own error code (`error_code`, Bandwidth `type`), relayed as `extensions.upstreamCode`. */
  upstreamCode?: string;
  /** The upstream's own message, relayed in the GraphQL error's message. */
  message?: string;
}

/**
 * An upstream's error format, owned by its folder (`upstreams/<name>/errors.ts`): the HTTP client
 * knows statuses, retries and breakers; only the upstream knows how its bodies say what went wrong.
 */
export interface UpstreamErrorFormat {
  /**
   * Code and message of an answer with an error status (≥ 400). `body` is the parsed JSON, or the
   * first 200 characters of a body that is not JSON, or undefined when there was none.
   */
  read: (body: unknown) => UpstreamErrorDetail;
  /**
   * A failure reported under a 2xx status (CodeArts Artifact's envelope), with the HTTP status it
   * stands for; undefined when the body is not an error.
   */
  readEmbedded?: (body: unknown) => (UpstreamErrorDetail & { status: number }) | undefined;
}

/** A string or number field as text (error codes come as either). */
export function textField(value: unknown): string | undefined {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
}

/** An object's fields, or undefined for anything else (arrays included). */
export function fieldsOf(body: unknown): Record<string, unknown> | undefined {
  return body && typeof body === 'object' && !Array.isArray(body) ? (body as Record<string, unknown>) : undefined;
}

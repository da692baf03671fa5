import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { GraphQLError } from 'graphql';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import type { KeyValueCache } from '@apollo/utils.keyvaluecache';
import { z } from 'zod';
import { ConfigError } from '../config';
import type { GatewayContext } from '../context';
import type { Logger } from '../observability/logger';

/** The variable that names the manifest (see docs/operations.md). */
export const TRUSTED_DOCUMENTS_VARIABLE = 'TRUSTED_DOCUMENTS';

/**
 * Trusted documents (a safelist): when a manifest is configured, only the operations it lists
 * run. Ids are the APQ ids, the SHA-256 of the document text, so a client that already uses
 * automatic persisted queries needs no change; sending the full text of a listed document
 * works too. Anything else is refused before execution with `QUERY_NOT_IN_SAFELIST`, and no
 * upstream is called.
 *
 * Two manifest formats are read:
 * - Apollo's persisted query manifest: `{"format": "apollo-persisted-query-manifest",
 *   "version": 1, "operations": [{"id", "name", "type", "body"}]}`
 * - a plain map `{"<sha256>": "<document>"}` (graphql-codegen's persisted documents).
 */
export class TrustedDocuments {
  private constructor(private readonly byHash: ReadonlyMap<string, string>) {}

  /** Reads and checks a manifest; a bad file stops the start with a ConfigError naming the variable. */
  static fromFile(file: string): TrustedDocuments {
    let raw: unknown;
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : 'is not a readable JSON file';
      throw new ConfigError(TRUSTED_DOCUMENTS_VARIABLE, `${file}: ${reason}`);
    }
    return TrustedDocuments.fromManifest(raw, file);
  }

  static fromManifest(raw: unknown, source = 'manifest'): TrustedDocuments {
    const parsed = manifestSchema.safeParse(raw);
    if (!parsed.success) {
      throw new ConfigError(
        TRUSTED_DOCUMENTS_VARIABLE,
        `${source}: not an Apollo persisted query manifest nor a {"sha256": "document"} map`,
      );
    }
    const data = parsed.data;
    const entries: Array<readonly [string, string]> =
      'format' in data && Array.isArray(data.operations)
        ? data.operations.map((o) => [o.id, o.body] as const)
        : Object.entries(data as Record<string, string>);
    const byHash = new Map<string, string>();
    for (const [id, body] of entries) {
      if (sha256(body) !== id.toLowerCase()) {
        throw new ConfigError(TRUSTED_DOCUMENTS_VARIABLE, `${source}: id ${id.slice(0, 12)}… is not the SHA-256 of its document`);
      }
      byHash.set(id.toLowerCase(), body);
    }
    return new TrustedDocuments(byHash);
  }

  get size(): number {
    return this.byHash.size;
  }

  has(hash: string | undefined): boolean {
    return hash !== undefined && this.byHash.has(hash.toLowerCase());
  }

  /**
   * The store behind Apollo's `persistedQueries` in this mode: ids resolve to the listed
   * documents, and registrations are ignored (a client cannot add to the list).
   */
  asPersistedQueryStore(): KeyValueCache<string> {
    const byHash = this.byHash;
    return {
      async get(key: string) {
        return byHash.get(key.replace(/^apq:/, '').toLowerCase());
      },
      async set() {},
      async delete() {},
    };
  }
}

/** Refuses every operation whose document is not in the list. */
export function trustedDocumentsPlugin(documents: TrustedDocuments, logger: Logger): ApolloServerPlugin<GatewayContext> {
  return {
    async serverWillStart() {
      logger.info({ operations: documents.size }, 'trusted documents: only listed operations run');
    },
    async requestDidStart() {
      return {
        async didResolveOperation({ queryHash, operationName }) {
          if (documents.has(queryHash)) return;
          throw new GraphQLError('This operation is not in the gateway’s list of trusted documents', {
            extensions: { code: 'QUERY_NOT_IN_SAFELIST', operationName, http: { status: 400, headers: new HeaderMap() } },
          });
        },
      };
    },
  };
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const manifestSchema = z.union([
  z.object({
    format: z.literal('apollo-persisted-query-manifest'),
    version: z.literal(1),
    operations: z.array(z.object({ id: z.string().regex(/^[0-9a-fA-F]{64}$/), body: z.string().min(1) }).loose()),
  }),
  z.record(z.string().regex(/^[0-9a-fA-F]{64}$/), z.string().min(1)),
]);

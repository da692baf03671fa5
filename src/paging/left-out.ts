import { responsePathAsArray, type GraphQLFormattedError, type GraphQLResolveInfo } from 'graphql';
import type { UpstreamName } from '../config';

/** A row of an upstream list the gateway cannot read: left out of the list, reported with why. */
export interface LeftOutRow {
  /** Absolute position of the row in the upstream's ordering. */
  position: number;
  /** The row's id where it had a readable one. */
  id: string | null;
  reason: string;
}

/**
 * Where an operation collects the errors about rows left out of lists it still answers: a row
 * of a non-null list (`nodes: [Repository!]!`) that cannot be mapped cannot be nulled without
 * nulling the whole list, so the resolver drops it and reports it here. The operation's context
 * holds it (made on first report); `leftOutRowsPlugin` joins it to the response's errors.
 */
export interface LeftOutReport {
  leftOut?: GraphQLFormattedError[];
}

/** Reports `leftOut` rows of the list at `info`'s path: one UPSTREAM_BAD_RESPONSE error each. */
export function reportLeftOut(
  report: LeftOutReport,
  info: GraphQLResolveInfo,
  leftOut: readonly LeftOutRow[],
  what: string,
  upstream: UpstreamName,
): void {
  if (!leftOut.length) return;
  const errors = (report.leftOut ??= []);
  for (const row of leftOut) {
    errors.push({
      message: `A ${what} (position ${row.position}${row.id ? `, ${row.id}` : ''}) was left out: ${upstream} sent a row the gateway cannot read (${row.reason})`,
      path: responsePathAsArray(info.path),
      extensions: { code: 'UPSTREAM_BAD_RESPONSE', upstream },
    });
  }
}

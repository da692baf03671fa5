import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildSchema, findBreakingChanges, lexicographicSortSchema, printSchema } from 'graphql';
import { loadTypeDefs } from '../../src/gateway';

/**
 * The published contract is the schema as it stands in test/__snapshots__/schema.printed.graphql.
 * A schema change must update that file on purpose (`npm run schema:snapshot`), and may only add:
 * a change that would break a client (a dropped or renamed field, a narrowed type) is refused
 * even when updating.
 */
const SNAPSHOT = path.join(__dirname, '..', '__snapshots__', 'schema.printed.graphql');
const UPDATE = process.env.SCHEMA_SNAPSHOT === 'update';

const printed = printSchema(lexicographicSortSchema(buildSchema(loadTypeDefs().join('\n')))) + '\n';
const committed = existsSync(SNAPSHOT) ? readFileSync(SNAPSHOT, 'utf8') : undefined;

function breakingChanges(): string[] {
  if (committed === undefined) return [];
  return findBreakingChanges(buildSchema(committed), buildSchema(printed)).map((c) => `${c.type}: ${c.description}`);
}

describe('schema/ is the published contract', () => {
  it('breaks no client of the committed schema (additions only)', () => {
    const breaking = breakingChanges();
    if (breaking.length > 0) {
      throw new Error(
        `schema/ breaks the published contract (test/__snapshots__/schema.printed.graphql); add, never rename or drop:\n  ` +
          breaking.join('\n  '),
      );
    }
  });

  it('matches the committed printed schema (a change updates it on purpose)', () => {
    if (UPDATE) {
      if (breakingChanges().length === 0) writeFileSync(SNAPSHOT, printed);
      return;
    }
    if (committed !== printed) {
      throw new Error(
        committed === undefined
          ? 'test/__snapshots__/schema.printed.graphql is missing: run `npm run schema:snapshot` and commit it'
          : 'schema/ differs from test/__snapshots__/schema.printed.graphql. If the change is meant, run ' +
              '`npm run schema:snapshot`, review the diff of that file (it is what clients see) and commit it.',
      );
    }
  });
});

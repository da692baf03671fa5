import { GraphQLError, GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { parseRfc3339 } from '../time';

function invalidArgument(message: string): GraphQLError {
  // `argumentError` lets the error-masking plugin report BAD_USER_INPUT even where graphql-js
  // turns this into a validation error (inline literals).
  return new GraphQLError(message, { extensions: { code: 'BAD_USER_INPUT', argumentError: true } });
}

function parseDateTime(value: unknown): string {
  if (typeof value !== 'string') throw invalidArgument(`DateTime must be an RFC 3339 string, got ${typeof value}`);
  const ms = parseRfc3339(value);
  if (ms === undefined) {
    throw invalidArgument(`DateTime must be an RFC 3339 instant such as 2023-03-04T08:48:08Z, got ${JSON.stringify(value.slice(0, 64))}`);
  }
  return new Date(ms).toISOString();
}

const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** UTC ISO-8601 with milliseconds out; any RFC 3339 instant in (normalised to UTC). */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: "ISO-8601 instant in UTC, always with milliseconds and 'Z', e.g. 2023-03-04T08:48:08.000Z.",
  serialize(value) {
    if (value instanceof Date) return value.toISOString();
    // Mapping already produces this exact form: pass it through (a hot path on big lists).
    if (typeof value === 'string' && CANONICAL_UTC.test(value)) return value;
    if (typeof value === 'string') {
      const ms = Date.parse(value);
      if (!Number.isNaN(ms)) return new Date(ms).toISOString();
    }
    throw new TypeError(`DateTime cannot represent ${JSON.stringify(value)}`);
  },
  parseValue: parseDateTime,
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw invalidArgument(`DateTime must be a string literal, got ${ast.kind}`);
    return parseDateTime(ast.value);
  },
});

function literalToJson(ast: ValueNode, variables: Record<string, unknown> | null | undefined): unknown {
  switch (ast.kind) {
    case Kind.STRING:
    case Kind.BOOLEAN:
    case Kind.ENUM:
      return ast.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(ast.value);
    case Kind.NULL:
      return null;
    case Kind.LIST:
      return ast.values.map((v) => literalToJson(v, variables));
    case Kind.OBJECT:
      return Object.fromEntries(ast.fields.map((f) => [f.name.value, literalToJson(f.value, variables)]));
    case Kind.VARIABLE:
      return variables?.[ast.name.value];
  }
}

export const JSONScalar = new GraphQLScalarType({
  name: 'JSON',
  description: 'Any JSON value (upstream key/value maps such as deployment inputs and outputs).',
  serialize: (v) => v,
  parseValue: (v) => v,
  parseLiteral: (ast, variables) => literalToJson(ast, variables),
});

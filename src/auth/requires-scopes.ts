import { GraphQLError, defaultFieldResolver, isObjectType, valueFromAST, type GraphQLFieldResolver, type GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context';

/** The directive's name in the schema (schema/common.graphql). */
export const REQUIRES_SCOPES = 'requiresScopes';

/** Whether `scopes` satisfy a `@requiresScopes` requirement: every scope of at least one inner list (OR of ANDs). */
export function scopesSatisfy(scopes: ReadonlySet<string>, required: ReadonlyArray<ReadonlyArray<string>>): boolean {
  return required.some((all) => all.every((scope) => scopes.has(scope)));
}

/**
 * Enforces `@requiresScopes` (Apollo Router semantics) on every field that carries it: for a
 * signed-in user whose token's scopes satisfy none of the lists, the field's own resolver never
 * runs (so no upstream call is made for it) and the field answers null with a FORBIDDEN error;
 * the rest of the answer still comes. Callers that are not users (gateway keys, open access)
 * are governed by their key policy. Wraps the schema's resolvers in place, once at start, so
 * both execution engines (graphql-js and graphql-jit) see it.
 *
 * @returns the coordinates (`Type.field`) it guards.
 */
export function enforceRequiresScopes(schema: GraphQLSchema): string[] {
  const directive = schema.getDirective(REQUIRES_SCOPES);
  const argument = directive?.args.find((a) => a.name === 'scopes');
  if (!directive || !argument) return [];
  const guarded: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const node = field.astNode?.directives?.find((d) => d.name.value === REQUIRES_SCOPES);
      const value = node?.arguments?.find((a) => a.name.value === 'scopes')?.value;
      if (!value) continue;
      const required = valueFromAST(value, argument.type) as string[][] | undefined;
      if (!required) throw new TypeError(`@${REQUIRES_SCOPES} on ${type.name}.${field.name}: scopes must be a list of lists of scopes`);
      const coordinate = `${type.name}.${field.name}`;
      const resolve: GraphQLFieldResolver<unknown, GatewayContext> = field.resolve ?? defaultFieldResolver;
      const guard: GraphQLFieldResolver<unknown, GatewayContext> = (source, args, context, info) => {
        const { caller } = context.principal;
        if (caller.kind === 'user' && !scopesSatisfy(caller.scopes, required)) {
          throw new GraphQLError(`${coordinate} needs the scope ${required.map((all) => all.join(' + ')).join(' or ')}`, {
            extensions: { code: 'FORBIDDEN' },
          });
        }
        return resolve(source, args, context, info);
      };
      field.resolve = guard;
      guarded.push(coordinate);
    }
  }
  return guarded;
}

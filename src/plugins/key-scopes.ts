import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  getNamedType,
  getNullableType,
  isCompositeType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isObjectType,
  valueFromAST,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLCompositeType,
  type GraphQLInputType,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayConfig } from '../config';
import type { GatewayContext } from '../context';
import type { KeyPolicies, KeyPolicy } from '../auth/key-policy';
import type { Metrics } from '../observability/metrics';

/** What an operation names: its root fields and every project and account it would touch. */
export interface OperationScope {
  rootFields: Set<string>;
  projects: Set<string>;
  accounts: Set<string>;
  /** A project- or account-scoped field with no value and no configured default. */
  unscoped: string[];
}

/** The configured defaults a missing `projectId`/`accountId` argument falls back to. */
export interface ScopeDefaults {
  /** CodeArts project (pipelines, artifact). */
  codeartsProjectId: string | undefined;
  /** RTS project (software deployments). */
  rtsProjectId: string | undefined;
  bandwidthAccountId: string | undefined;
}

export function scopeDefaultsOf(config: GatewayConfig): ScopeDefaults {
  return {
    codeartsProjectId: config.huawei.codeartsProjectId,
    rtsProjectId: config.huawei.projectId,
    bandwidthAccountId: config.bandwidth?.accountId,
  };
}

/** Root fields whose default project is the RTS one (HUAWEI_PROJECT_ID), not CodeArts'. */
const RTS_FIELDS = new Set(['softwareDeployments', 'softwareDeployment', 'softwareDeploymentUpdated']);

/**
 * Finds what an operation would touch, without running it: each `projectId` and `accountId`
 * argument or input field, given inline, through variables, or left to the configured default.
 * Each fragment is read once per operation, so the walk is linear in the document.
 */
export function operationScope(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Readonly<Record<string, unknown>> | undefined,
  defaults: ScopeDefaults,
): OperationScope {
  const scope: OperationScope = { rootFields: new Set(), projects: new Set(), accounts: new Set(), unscoped: [] };
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const seen = new Set<string>();
  const root =
    operation.operation === OperationTypeNode.MUTATION
      ? schema.getMutationType()
      : operation.operation === OperationTypeNode.SUBSCRIPTION
        ? schema.getSubscriptionType()
        : schema.getQueryType();
  if (!root) return scope;

  const note = (kind: 'project' | 'account', value: unknown, rootField: string) => {
    const fallback =
      kind === 'account' ? defaults.bandwidthAccountId : RTS_FIELDS.has(rootField) ? defaults.rtsProjectId : defaults.codeartsProjectId;
    const id = typeof value === 'string' && value !== '' ? value : fallback;
    if (id === undefined) scope.unscoped.push(rootField);
    else (kind === 'project' ? scope.projects : scope.accounts).add(id);
  };

  const inspectInput = (value: unknown, type: GraphQLInputType, rootField: string): void => {
    const nullable = getNullableType(type);
    if (isListType(nullable)) {
      if (Array.isArray(value)) for (const item of value) inspectInput(item, nullable.ofType, rootField);
      return;
    }
    if (!isInputObjectType(nullable) || !value || typeof value !== 'object') return;
    const record = value as Record<string, unknown>;
    for (const field of Object.values(nullable.getFields())) {
      if (field.name === 'projectId') note('project', record.projectId, rootField);
      else if (field.name === 'accountId') note('account', record.accountId, rootField);
      else inspectInput(record[field.name], field.type, rootField);
    }
  };

  const walk = (selectionSet: SelectionSetNode, parentType: GraphQLCompositeType, rootField: string | null): void => {
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const key = `${selection.name.value}@${rootField ?? ''}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const fragment = fragments.get(selection.name.value);
        const type = fragment && schema.getType(fragment.typeCondition.name.value);
        if (fragment && type && isCompositeType(type)) walk(fragment.selectionSet, type, rootField);
        continue;
      }
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const type = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : parentType;
        if (type && isCompositeType(type)) walk(selection.selectionSet, type, rootField);
        continue;
      }
      const name = selection.name.value;
      if (name.startsWith('__')) continue;
      const field = isObjectType(parentType) || isInterfaceType(parentType) ? parentType.getFields()[name] : undefined;
      if (!field) continue;
      const owner = rootField ?? name;
      if (rootField === null) scope.rootFields.add(name);
      for (const arg of field.args) {
        const node = selection.arguments?.find((a) => a.name.value === arg.name);
        const value: unknown = node ? valueFromAST(node.value, arg.type, variables) : undefined;
        if (arg.name === 'projectId') note('project', value, owner);
        else if (arg.name === 'accountId') note('account', value, owner);
        else inspectInput(value, arg.type, owner);
      }
      const named = getNamedType(field.type);
      if (selection.selectionSet && isCompositeType(named)) walk(selection.selectionSet, named, owner);
    }
  };

  walk(operation.selectionSet, root, null);
  return scope;
}

/**
 * The first thing `policy` forbids in `scope`, or undefined when it allows all of it. `who`
 * names the caller in the message ("This gateway key", "This user").
 */
export function scopeViolation(
  policy: KeyPolicy,
  kind: OperationDefinitionNode['operation'],
  scope: OperationScope,
  who = 'This gateway key',
): string | undefined {
  // Queries and subscriptions only read.
  if (policy.readOnly && kind === OperationTypeNode.MUTATION) return `${who} is read-only: mutations are refused`;
  if (policy.rootFields) {
    const denied = [...scope.rootFields].find((f) => !policy.rootFields?.has(f));
    if (denied) return `${who} may not use the field ${denied}`;
  }
  if (policy.projects) {
    const denied = [...scope.projects].find((p) => !policy.projects?.has(p));
    if (denied) return `${who} may not use project ${JSON.stringify(denied.slice(0, 64))}`;
    if (scope.unscoped.length) return `${who} is limited to projects: ${scope.unscoped[0]} needs a projectId`;
  }
  if (policy.accounts) {
    const denied = [...scope.accounts].find((a) => !policy.accounts?.has(a));
    if (denied) return `${who} may not use account ${JSON.stringify(denied.slice(0, 64))}`;
  }
  return undefined;
}

/** End-user sign-in's part in the scope checks (absent when sign-in is off). */
export interface EndUserScopes {
  /** Scope a user's token needs for mutations (`AUTH_JWT_WRITE_SCOPE`). */
  writeScope: string;
}

/**
 * Per-key scopes (`GATEWAY_API_KEY_POLICIES`): read-only keys, keys limited to projects,
 * accounts or root fields; and for signed-in users, the write scope mutations need and the
 * policy their claims map to (`AUTH_JWT_CLAIMS`). Checked once the operation is known and before
 * it executes, so a refused operation touches no upstream: HTTP 403, `extensions.code` FORBIDDEN.
 */
export function keyScopesPlugin(
  policies: KeyPolicies,
  defaults: ScopeDefaults,
  metrics?: Metrics,
  endUsers?: EndUserScopes,
): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const { caller, policy } = contextValue.principal;
      const isUser = caller.kind === 'user';
      if (!isUser && !policies.restrictive) return {};
      return {
        async didResolveOperation({ document, operation, request, schema }) {
          if (!operation) return;
          let reason: string | undefined;
          const writeScope = endUsers?.writeScope ?? 'gateway:write';
          if (isUser && operation.operation === OperationTypeNode.MUTATION && !caller.scopes.has(writeScope)) {
            reason = `This user's token lacks the scope ${writeScope}, which mutations need`;
          } else if (policy.readOnly || policy.rootFields || policy.projects || policy.accounts) {
            const scope = operationScope(schema, document, operation, request.variables, defaults);
            reason = scopeViolation(policy, operation.operation, scope, isUser ? 'This user' : 'This gateway key');
          }
          if (reason) {
            metrics?.operationsRefused.inc({ reason: 'scope' });
            throw new GraphQLError(reason, { extensions: { code: 'FORBIDDEN', http: { status: 403 } } });
          }
        },
      };
    },
  };
}

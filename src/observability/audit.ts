import { Kind, OperationTypeNode, type OperationDefinitionNode } from 'graphql';
import type { ApolloServerPlugin } from '@apollo/server';
import type { GatewayContext } from '../context';
import type { Logger } from './logger';

/** One audit line: who changed what, and how it ended. Never argument values (they may be secrets). */
export interface AuditRecord {
  audit: 'mutation';
  /** Gateway key id (12 hex digits of its SHA-256), or null when keys are off. */
  keyId: string | null;
  keyName?: string;
  /** The signed-in user's subject (`sub`) when a user's token made the request; never the token. */
  subject?: string;
  requestId: string;
  operationName: string | null;
  /** Root mutation fields with the names (only) of the arguments given. */
  fields: Array<{ field: string; alias?: string; arguments: string[] }>;
  /** `ok`: no error; `failed`: executed with errors; `refused`: stopped before execution. */
  outcome: 'ok' | 'failed' | 'refused';
  errorCodes?: string[];
  /** Whether the caller sent its own upstream token (X-Auth-Token), never the token. */
  callerToken: boolean;
  ms: number;
}

/**
 * Writes an audit line for every mutation, whatever its outcome (executed, failed, or refused
 * by a limit or a key scope), naming the gateway key. It is logged at `info` on a child logger
 * that keeps `info` even when LOG_LEVEL is quieter, so audit lines are never filtered away
 * (only LOG_LEVEL=silent stops them).
 */
export function auditPlugin(options: { logger: Logger }): ApolloServerPlugin<GatewayContext> {
  const audit = options.logger.level === 'silent' ? options.logger : options.logger.child({ log: 'audit' }, { level: 'info' });
  return {
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      let executed = false;
      return {
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ operation, operationName, errors, response }) {
          if (operation?.operation !== OperationTypeNode.MUTATION) return;
          const resultErrors = response.body.kind === 'single' ? (response.body.singleResult.errors ?? []) : [];
          const codes = [...(errors ?? []).map((e) => e.extensions?.code), ...resultErrors.map((e) => e.extensions?.code)].filter(
            (c): c is string => typeof c === 'string',
          );
          const { principal } = contextValue;
          const record: AuditRecord = {
            audit: 'mutation',
            keyId: principal.gatewayKeyId,
            keyName: principal.policy.name,
            ...(principal.caller.kind === 'user' ? { subject: principal.caller.subject } : {}),
            requestId: principal.requestId,
            operationName: operationName ?? null,
            fields: rootFields(operation),
            outcome: !executed ? 'refused' : codes.length ? 'failed' : 'ok',
            ...(codes.length ? { errorCodes: [...new Set(codes)] } : {}),
            callerToken: principal.callerToken !== undefined,
            ms: Math.round(performance.now() - started),
          };
          audit.info(record, 'audit: mutation');
        },
      };
    },
  };
}

function rootFields(operation: OperationDefinitionNode): AuditRecord['fields'] {
  const out: AuditRecord['fields'] = [];
  for (const s of operation.selectionSet.selections) {
    if (s.kind !== Kind.FIELD) continue;
    out.push({
      field: s.name.value,
      ...(s.alias ? { alias: s.alias.value } : {}),
      arguments: (s.arguments ?? []).map((a) => a.name.value),
    });
  }
  return out;
}

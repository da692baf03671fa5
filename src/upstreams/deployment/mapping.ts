import { z } from 'zod';
import type { SoftwareDeployment, SoftwareDeploymentStatus } from '../../generated/graphql';
import { UpstreamBadResponseError } from '../../errors';
import { toUtcIso } from '../../time';

const STATUSES: readonly SoftwareDeploymentStatus[] = ['COMPLETE', 'IN_PROGRESS', 'FAILED'];

const text = z.union([z.string(), z.number()]).transform(String).nullish();
const time = z.union([z.string(), z.number()]).nullish();

/** One software deployment, as far as the gateway relies on it. */
const DeploymentBody = z.object({
  id: z.string().trim().min(1),
  server_id: text,
  config_id: text,
  action: text,
  status: z.string().nullish(),
  status_reason: text,
  // Key/value maps passed through as JSON: RTS puts whatever the deployment produced there.
  input_values: z.unknown().optional(),
  output_values: z.unknown().optional(),
  creation_time: time,
  updated_time: time,
});

/** `COMPLETE`, `IN_PROGRESS`, `FAILED` (any case); anything else → UNKNOWN, never an error. */
export function deploymentStatusOf(value: string | null | undefined): SoftwareDeploymentStatus {
  const key = value?.trim().toUpperCase();
  return STATUSES.find((s) => s === key) ?? 'UNKNOWN';
}

/** The id an answer element is about, or undefined when it has none. */
export function deploymentIdOf(body: unknown): string | undefined {
  const id = (body as { id?: unknown } | null)?.id;
  return typeof id === 'string' ? id : undefined;
}

/**
 * Maps one upstream element to the schema's SoftwareDeployment; returns an Error (not a throw)
 * when it cannot be read, so one bad row fails only its own list item.
 */
export function mapDeployment(body: unknown, zone: string): SoftwareDeployment | UpstreamBadResponseError {
  const parsed = DeploymentBody.safeParse(body);
  if (!parsed.success) {
    return new UpstreamBadResponseError('rts', `unreadable software deployment at ${parsed.error.issues[0]?.path.join('.') || 'element'}`);
  }
  const d = parsed.data;
  return {
    id: d.id,
    serverId: d.server_id ?? null,
    configId: d.config_id ?? null,
    action: d.action ?? null,
    status: deploymentStatusOf(d.status),
    statusReason: d.status_reason ?? null,
    inputValues: d.input_values ?? null,
    outputValues: d.output_values ?? null,
    createdAt: toUtcIso(d.creation_time, zone),
    updatedAt: toUtcIso(d.updated_time, zone),
  };
}

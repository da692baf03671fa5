import { fieldsOf, textField, type UpstreamErrorDetail, type UpstreamErrorFormat } from '../error-format';
import { readHuaweiErrorBody } from '../huawei-error-body';

/** Codes of the seed's appendix (5.2) and the HTTP status each stands for. */
const STATUS_OF_CODE: Readonly<Record<string, number>> = { 'CR.4102': 403, 'CR.5000': 500 };

/**
 * A server fault in Artifact's own code family (`CR.5000` in the seed; the digit after the dot is
 * the HTTP class, as in `CR.4102` → 403). Any other code is something the upstream states about
 * the request (`DEV.00011001` "name exists").
 */
const SERVER_FAULT_CODE = /^[A-Z]+\.5\d{3}$/;

/** The failure's own message: `error_msg`, else the envelope's `result` when it is text ("repo exists"). */
function messageOf(b: Record<string, unknown>): string | undefined {
  return textField(b.error_msg) ?? textField(b.message) ?? textField(b.msg) ?? (typeof b.result === 'string' ? b.result : undefined);
}

/**
 * CodeArts Artifact wraps every answer as `{status, trace_id, result}` and may report a failure
 * under HTTP 200: a body whose `status` is not `success`, or that carries `error_code`, is an error.
 * Per the contract, a failure the upstream states about the request is the caller's: it stands for
 * HTTP 400 (`BAD_USER_INPUT`, never retried, never a breaker fault), unless its code says otherwise
 * (CR.4102 → 403) or is a server fault (CR.5000 → 500).
 */
export function readArtifactEmbeddedError(body: unknown): (UpstreamErrorDetail & { status: number }) | undefined {
  const b = fieldsOf(body);
  if (!b) return undefined;
  const upstreamCode = textField(b.error_code);
  const status = typeof b.status === 'string' ? b.status : undefined;
  if (upstreamCode === undefined && (status === undefined || status.toLowerCase() === 'success')) return undefined;
  const httpStatus =
    upstreamCode === undefined ? 400 : (STATUS_OF_CODE[upstreamCode] ?? (SERVER_FAULT_CODE.test(upstreamCode) ? 500 : 400));
  return { upstreamCode, message: messageOf(b), status: httpStatus };
}

/** Artifact errors under an error status: the Huawei body, or a failed envelope whose `result` says why. */
export const artifactErrorFormat: UpstreamErrorFormat = {
  read(body) {
    const b = fieldsOf(body);
    const huawei = readHuaweiErrorBody(body);
    return b && huawei.message === undefined ? { ...huawei, message: messageOf(b) } : huawei;
  },
  readEmbedded: readArtifactEmbeddedError,
};

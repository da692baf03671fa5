import { fieldsOf, textField, type UpstreamErrorDetail, type UpstreamErrorFormat } from './error-format';

/**
 * The error body every Huawei Cloud API shares (IAM, CodeArts Pipeline and Artifact, RTS):
 * `{error_code, error_msg}`, or `{error: {code, message}}` from the API gateway in front of them.
 */
export function readHuaweiErrorBody(body: unknown): UpstreamErrorDetail {
  const b = fieldsOf(body);
  // A body that is not JSON (a proxy's HTML page) is never relayed: the status speaks for it.
  if (!b) return {};
  if (b.error_code !== undefined || b.error_msg !== undefined)
    return { upstreamCode: textField(b.error_code), message: textField(b.error_msg) };
  const e = fieldsOf(b.error);
  if (e) return { upstreamCode: textField(e.code), message: textField(e.message) };
  return { message: textField(b.message) };
}

/** IAM's errors (`POST /v3/auth/tokens`): the Huawei body and nothing else. */
export const huaweiErrorFormat: UpstreamErrorFormat = { read: readHuaweiErrorBody };

/**
 * Content-Type of every Huawei call, bodiless ones included: the seeds' common request headers
 * mark it required (default `application/json`; UTF-8 is how bodies are encoded).
 */
export const HUAWEI_CONTENT_TYPE = 'application/json;charset=UTF-8';

import type { UpstreamErrorFormat } from '../error-format';
import { readHuaweiErrorBody } from '../huawei-error-body';

/** CodeArts Pipeline answers errors with an HTTP status and the Huawei `{error_code, error_msg}` body. */
export const pipelineErrorFormat: UpstreamErrorFormat = { read: readHuaweiErrorBody };

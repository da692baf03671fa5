import type { UpstreamErrorFormat } from '../error-format';
import { readHuaweiErrorBody } from '../huawei-error-body';

/** RTS answers errors with an HTTP status and the Huawei `{error_code, error_msg}` body. */
export const rtsErrorFormat: UpstreamErrorFormat = { read: readHuaweiErrorBody };

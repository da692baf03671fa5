import { fieldsOf, textField, type UpstreamErrorFormat } from '../error-format';

/** Bandwidth Voice errors: `{type, description, id?}` with the HTTP status; `type` is the code. */
export const bandwidthErrorFormat: UpstreamErrorFormat = {
  read(body) {
    const b = fieldsOf(body);
    // A body that is not JSON (a proxy's HTML page) is never relayed: the status speaks for it.
    if (!b) return {};
    return { upstreamCode: textField(b.type), message: textField(b.description) ?? textField(b.message) };
  },
};

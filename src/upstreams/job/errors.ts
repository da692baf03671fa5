import { fieldsOf, textField, type UpstreamErrorFormat } from '../error-format';

/**
 * Comestri documents its statuses (401, 403, 404, 422, 500) but not an error body: Rails-style
 * `{error: "..."}` and `{errors: [...]}` are read, no code.
 */
export const comestriErrorFormat: UpstreamErrorFormat = {
  read(body) {
    const b = fieldsOf(body);
    // A body that is not JSON (a proxy's HTML page) is never relayed: the status speaks for it.
    if (!b) return {};
    if (typeof b.error === 'string') return { message: b.error };
    if (Array.isArray(b.errors)) return { message: b.errors.map((e) => (typeof e === 'string' ? e : JSON.stringify(e))).join('; ') };
    return { message: textField(b.message) };
  },
};

import type { z } from 'zod';
import { ValidationError } from '../errors';

/** Parses input with a schema, or throws a 400 that names every invalid field. */
export function parse<S extends z.ZodType>(schema: S, input: unknown, prefix = ''): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(
    result.error.issues.map((i) => {
      const path = i.path.map(String).join('.');
      if (i.code === 'unrecognized_keys') {
        const keys = (i as { keys?: string[] }).keys ?? [];
        return { field: [prefix, path, keys.join(',')].filter(Boolean).join('.'), message: 'Trường không được hỗ trợ' };
      }
      return { field: [prefix, path].filter(Boolean).join('.') || prefix || '(body)', message: i.message };
    }),
  );
}

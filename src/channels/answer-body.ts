/** A provider's HTTP body as the channels classify it: parsed JSON, the text itself when it is not JSON, null when empty. */
export function parseAnswerBody(data: unknown): unknown {
  if (typeof data !== 'string') return data ?? null;
  if (data.trim() === '') return null;
  try {
    return JSON.parse(data) as unknown;
  } catch {
    return data;
  }
}

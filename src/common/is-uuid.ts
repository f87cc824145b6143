const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids stored as `uuid`: anything else cannot exist, so lookups answer "not found" without asking. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}

import { isUuid } from './is-uuid.js';

/** Keyset paging, newest first: a cursor is the (createdAt, id) of the last item of a page. */
export function encodeCursor(createdAt: Date, id: string): string {
  return Buffer.from(JSON.stringify([createdAt.toISOString(), id])).toString('base64url');
}

/** Null when the cursor is not one this API made. */
export function decodeCursor(cursor: string): { at: string; id: string } | null {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as [unknown, unknown];
    if (typeof at === 'string' && !Number.isNaN(Date.parse(at)) && typeof id === 'string' && isUuid(id)) return { at, id };
  } catch {
    // not base64 JSON
  }
  return null;
}

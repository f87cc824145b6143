/**
 * The SQLSTATE `messaging.leases_held` raises when a delivery's settle finds that another relay
 * has claimed its row since (the claim token changed): the delivery's transaction is aborted.
 */
export const LOST_LEASE_SQLSTATE = 'RL001';

/** Whether `error` says the delivery lost its lease to another relay (see `LOST_LEASE_SQLSTATE`). */
export function isLostLease(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === LOST_LEASE_SQLSTATE;
}

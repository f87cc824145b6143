/**
 * Who may do what. A key carries one role; a route or RPC declares the one permission it needs
 * (`@Requires`). Roles are sets of permissions rather than a ladder: a `client` places orders, a
 * `viewer` does not, and `service` (the saga's private channel to its participants) is no part
 * of `admin`.
 */
export const PERMISSIONS = [
  /** See one's own key's name, role and permissions (every role). */
  'self.read',
  /** Place orders (and any saga a client may start). */
  'orders.place',
  /** Read orders, products and payments. */
  'business.read',
  /** Read sagas, dead letters, the dashboard's data and metrics. */
  'operations.read',
  /** Retry sagas, re-drive dead letters. */
  'operations.act',
  /** Write the catalogue. */
  'catalogue.write',
  /** Register, list and delete webhooks (`/api/v1/webhooks`). */
  'webhooks.manage',
  /** The participants' mutating RPCs (ReserveInventory, ProcessPayment, …): the saga's own commands. */
  'participant.call',
] as const;

export type Permission = (typeof PERMISSIONS)[number];

export const ROLES = ['client', 'viewer', 'operator', 'admin', 'service'] as const;

export type Role = (typeof ROLES)[number];

export const ROLE_PERMISSIONS: Record<Role, readonly Permission[]> = {
  client: ['self.read', 'orders.place', 'business.read'],
  viewer: ['self.read', 'business.read', 'operations.read'],
  operator: ['self.read', 'business.read', 'operations.read', 'operations.act'],
  admin: ['self.read', 'orders.place', 'business.read', 'operations.read', 'operations.act', 'catalogue.write', 'webhooks.manage'],
  service: ['self.read', 'participant.call', 'business.read'],
};

/** Permissions that change what operators look after: each use is written to the audit log. */
export const AUDITED: readonly Permission[] = ['operations.act', 'catalogue.write', 'webhooks.manage'];

/**
 * What anyone may do while no keys are configured (protected mode: loopback only, or
 * ALLOW_UNAUTHENTICATED): everything but the participants' RPCs, which bypass the saga and
 * need a `service` key in every mode.
 */
export const ANONYMOUS_PERMISSIONS: readonly Permission[] = PERMISSIONS.filter((p) => p !== 'participant.call');

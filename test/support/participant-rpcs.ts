/**
 * The participants' saga-command RPCs (`Service.Method`): callable with a `service` key only, in
 * every mode. The Verify ones change no business state, but are saga commands all the same: they
 * record their idempotency key, and answer what the orchestrator acts on.
 */
export const PARTICIPANT_RPC =
  /^(InventoryService\.((Reserve|Release)Inventory|ShipReservation|VerifyReservation)|PaymentService\.((Process|Authorize|Capture|Refund)Payment|VerifyAuthorization)|ShippingService\.(Create|Cancel)Shipment|NotificationService\.SendNotification)$/;

/** The participants' mutating RPCs (`Service.Method`): callable with a `service` key only, in every mode. */
export const PARTICIPANT_RPC =
  /^(InventoryService\.((Reserve|Release)Inventory|ShipReservation)|PaymentService\.(Process|Authorize|Capture|Refund)Payment|ShippingService\.(Create|Cancel)Shipment|NotificationService\.SendNotification)$/;

/** The participants' mutating RPCs (`Service.Method`): callable with a `service` key only, in every mode. */
export const PARTICIPANT_RPC = /^(InventoryService\.(Reserve|Release)Inventory|PaymentService\.(Process|Refund)Payment|NotificationService\.SendNotification)$/;

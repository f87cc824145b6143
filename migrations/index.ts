import { MessagingSchema1763800000000 } from './1763800000000-messaging-schema.js';
import { NotifyOwedRowsOnly1764400000000 } from './1764400000000-notify-owed-rows-only.js';
import { OutboxClaimToken1764800000000 } from './1764800000000-outbox-claim-token.js';
import { OutboxDestination1765000000000 } from './1765000000000-outbox-destination.js';

/**
 * The migrations of the messaging tables (outbox, inbox), which every process hosts, oldest
 * first. Each business module lists its own in its manifest (`src/<module>/migrations/`).
 * Listed, not globbed, so tests and the build load the same set.
 */
export const messagingMigrations = [MessagingSchema1763800000000, NotifyOwedRowsOnly1764400000000, OutboxClaimToken1764800000000, OutboxDestination1765000000000];

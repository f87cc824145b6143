import type { Type } from '@nestjs/common';
import type { ModuleName } from '../config/app-config.js';
import { InboxRow } from '../messaging/inbox.entity.js';
import { OutboxRow } from '../messaging/outbox.entity.js';
import { hostedManifests } from '../modules.js';

/** The tables a process maps: messaging's, which every process has, and those of the modules it hosts (each in its own schema). */
export function entitiesFor(modules: readonly ModuleName[]): Type[] {
  return [OutboxRow, InboxRow, ...hostedManifests(modules).flatMap((m) => m.entities)];
}

import type { Type } from '@nestjs/common';
import type { MigrationInterface } from 'typeorm';
import type { ModuleName } from './config/app-config.js';
import type { ErrorStatuses } from './errors/module-error.js';

/**
 * Everything a business module brings to a process that hosts it, declared in one place of its
 * own folder (`<name>.manifest.ts`) and registered once in `src/modules.ts`. The app derives
 * from the hosted modules' manifests what it imports, maps, migrates, serves and answers.
 */
export interface ModuleManifest {
  name: ModuleName;
  /** The Nest module: its controllers, gRPC controllers and handlers. */
  module: Type;
  /** The tables it maps, all in its own schema. */
  entities: Type[];
  /**
   * Its migrations, oldest first: a process runs those of the modules it hosts (and messaging's),
   * so a database holds the schemas of its modules only. Names are persisted: never rename one.
   */
  migrations: (new () => MigrationInterface)[];
  /** Its gRPC service: a file of `proto/` and the package that file declares. */
  grpc?: { protoFile: string; package: string };
  /** Its error class and what each of its codes is on HTTP and gRPC (built with `errorStatuses`). */
  errors: ErrorStatuses;
}

import type { ModuleName } from '../config/app-config.js';
import { hostedManifests } from '../modules.js';
import { PROTO_DIR } from './proto-dir.js';

/** The gRPC services of the modules a process hosts: their packages and .proto files (none when no hosted module has one). */
export function grpcServices(modules: readonly ModuleName[]): { packages: string[]; protoFiles: string[] } {
  const services = hostedManifests(modules).flatMap((m) => (m.grpc ? [m.grpc] : []));
  return { packages: services.map((s) => s.package), protoFiles: services.map((s) => PROTO_DIR + s.protoFile) };
}

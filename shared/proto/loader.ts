import { fileURLToPath } from 'node:url';
import {
  loadPackageDefinition,
  type GrpcObject,
  type ServiceClientConstructor,
  type ServiceDefinition,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

/** Path of the fedsift v1 contract. */
export const PROTO_PATH = fileURLToPath(new URL('../../proto/fedsift/v1/fedsift.proto', import.meta.url));

/**
 * Loader options, fixed for both sides: camelCase fields, int64 as JS numbers (converted once here, at the edge —
 * counts and epoch milliseconds stay far below 2^53), enums as their names, defaults filled in, oneofs named.
 */
const LOADER_OPTIONS = { keepCase: false, longs: Number, enums: String, defaults: true, oneofs: true } as const;

/** The loaded fedsift.v1 services: definitions for the server, constructors for clients. */
export interface FedsiftProto {
  coordinatorService: ServiceDefinition;
  adminService: ServiceDefinition;
  CoordinatorClient: ServiceClientConstructor;
  AdminClient: ServiceClientConstructor;
}

/** Loads proto/fedsift/v1/fedsift.proto (synchronously; a few ms). */
export function loadFedsiftProto(): FedsiftProto {
  const pkg = loadPackageDefinition(loadSync(PROTO_PATH, LOADER_OPTIONS));
  const v1 = (pkg.fedsift as GrpcObject).v1 as GrpcObject;
  const Coordinator = v1.Coordinator as ServiceClientConstructor;
  const Admin = v1.Admin as ServiceClientConstructor;
  return {
    coordinatorService: Coordinator.service,
    adminService: Admin.service,
    CoordinatorClient: Coordinator,
    AdminClient: Admin,
  };
}

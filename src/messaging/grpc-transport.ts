import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { credentials, type GrpcObject, loadPackageDefinition, Metadata, type ServiceClientConstructor, type ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { APP_CONFIG, type AppConfig, type ModuleName } from '../config/app-config.js';
import { allProtoFiles } from '../grpc/proto-dir.js';
import { currentTraceparent } from '../observability/tracing.js';
import type { Message } from './message.js';
import type { GrpcCall, Transport } from './transport.js';

type Client = InstanceType<ServiceClientConstructor>;
type Unary = (request: unknown, metadata: Metadata, options: { deadline: number }, done: (error: ServiceError | null, response: unknown) => void) => void;

/**
 * Delivers a command to the module that hosts it as a call to that module's gRPC service
 * (`<MODULE>_GRPC_URL`), as any other client would, with the message id as the idempotency key
 * and this process's `SERVICE_KEY`: the callee applies it once through its inbox and answers a
 * repeat the same. The answer is the reply, handed back to be applied here. A call past its
 * deadline (`MODULE_CALL_TIMEOUT_MS`) or to a process that is down fails, and the relay reports
 * it to the saga, whose step policy retries it with backoff.
 */
@Injectable()
export class GrpcTransport implements Transport, OnApplicationShutdown {
  private readonly clients = new Map<string, Client>();
  private services?: GrpcObject;

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  send(destination: string, command: Message): Promise<Message[]> {
    const call = (command.constructor as { grpc?: GrpcCall<Message, unknown, unknown> }).grpc;
    if (!call) return Promise.reject(new Error(`${command.type} has no gRPC call: route ${destination} over RabbitMQ`));
    const client = this.client(destination, call.service);
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${this.config.serviceKey}`);
    const traceparent = currentTraceparent() ?? command.meta.traceparent;
    if (traceparent) metadata.set('traceparent', traceparent);
    const method = client[call.method] as Unary;
    return new Promise((resolve, reject) =>
      method.call(client, call.request(command, command.meta.messageId), metadata, { deadline: Date.now() + this.config.relay.callTimeoutMs }, (error, response) =>
        error ? reject(new Error(`${call.service}/${call.method} at ${this.urlOf(destination)}: ${error.message}`)) : resolve([call.reply(response, command).causedBy(command)]),
      ),
    );
  }

  onApplicationShutdown(): void {
    for (const client of this.clients.values()) client.close();
  }

  /** One client (one HTTP/2 connection) per module, made on first use. */
  private client(destination: string, service: string): Client {
    let client = this.clients.get(destination);
    if (!client) {
      const Service = service.split('.').reduce<unknown>((node, name) => (node as GrpcObject)[name], this.loadServices()) as ServiceClientConstructor;
      client = new Service(this.urlOf(destination), credentials.createInsecure(), {
        'grpc.max_receive_message_length': this.config.security.grpcMaxMessageBytes,
        'grpc.max_send_message_length': this.config.security.grpcMaxMessageBytes,
      });
      this.clients.set(destination, client);
    }
    return client;
  }

  /** The same loader options as the server's: the handlers and these calls both see camelCase fields. */
  private loadServices(): GrpcObject {
    return (this.services ??= loadPackageDefinition(loadSync(allProtoFiles(), { longs: String, enums: String, defaults: true, oneofs: true })));
  }

  private urlOf(destination: string): string {
    const route = this.config.routes[destination as ModuleName];
    if (route?.transport !== 'grpc') throw new Error(`no gRPC route to ${destination}`);
    return route.url;
  }
}

import * as grpc from '@grpc/grpc-js';
import { secretsEqual } from '../lib/auth/api-key.js';
import { RECOGNIZER_SECRET_METADATA_KEY } from '../lib/recognizer/protocol.js';
import { grpcStatusOf, toServiceError } from './grpc-errors.js';

type UnaryHandler = (
  call: grpc.ServerUnaryCall<unknown, unknown>,
  callback: grpc.sendUnaryData<unknown>,
) => void;

/** The secret a call presents: metadata `authorization: Bearer <secret>`. */
function presentedSecret(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get(RECOGNIZER_SECRET_METADATA_KEY)[0];
  const match = typeof value === 'string' ? /^Bearer\s+(\S+)$/i.exec(value) : null;
  return match?.[1];
}

/**
 * Wraps every handler of a service so that a call without the shared secret is refused with
 * UNAUTHENTICATED before it does anything (no photo read, no inference, no gallery access).
 * The secret is compared in constant time. The health service is not wrapped: probes carry
 * no secret and learn nothing personal.
 */
export function requireCallSecret(
  service: grpc.UntypedServiceImplementation,
  secret: string,
): grpc.UntypedServiceImplementation {
  const guarded: grpc.UntypedServiceImplementation = {};
  for (const [name, handler] of Object.entries(service)) {
    const unary = handler as UnaryHandler;
    guarded[name] = ((call, callback) => {
      const presented = presentedSecret(call.metadata);
      if (presented === undefined || !secretsEqual(presented, secret)) {
        callback(
          toServiceError({
            status: grpcStatusOf('UNAUTHORIZED'),
            errorCode: 'UNAUTHORIZED',
            message: 'this call needs the recognizer secret (metadata authorization: Bearer …)',
            unexpected: false,
          }),
        );
        return;
      }
      unary(call, callback);
    }) as UnaryHandler;
  }
  return guarded;
}

import { InterceptingCall, type Interceptor } from '@grpc/grpc-js';

/** Metadata key of the bearer token on every call (`authorization: Bearer <token>`). */
export const AUTHORIZATION_METADATA_KEY = 'authorization';

/** The token of an `authorization` value `Bearer <token>` (scheme in any case), or undefined for anything else. */
export function bearerTokenOf(value: unknown): string | undefined {
  return typeof value === 'string' ? /^Bearer (.+)$/i.exec(value)?.[1] : undefined;
}

/**
 * A client interceptor that puts `authorization: Bearer <token>` on every call of a channel (enrolment token of a
 * site, or the admin token). An interceptor rather than call credentials, which grpc-js sends only over TLS.
 */
export function bearerTokenInterceptor(token: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(AUTHORIZATION_METADATA_KEY, `Bearer ${token}`);
        next(metadata, listener);
      },
    });
}

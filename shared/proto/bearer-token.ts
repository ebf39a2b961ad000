import { InterceptingCall, type Interceptor, type Metadata } from '@grpc/grpc-js';

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
  return metadataInterceptor(AUTHORIZATION_METADATA_KEY, `Bearer ${token}`);
}

/** Metadata key of a client daemon's session on every call after Join (JoinRequest.session_id). */
export const SESSION_METADATA_KEY = 'fedsift-session';

/** A client interceptor that puts `key: value` on every call of a channel. */
export function metadataInterceptor(key: string, value: string): Interceptor {
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set(key, value);
        next(metadata, listener);
      },
    });
}

/** The session a call's metadata carries (SESSION_METADATA_KEY), or '' when it carries none. */
export function sessionIdOf(metadata: Metadata): string {
  const v = metadata.get(SESSION_METADATA_KEY)[0];
  return typeof v === 'string' ? v : '';
}

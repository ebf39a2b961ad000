import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection, isIP } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { CLOSED_AFTER_HANDSHAKE } from './diagnosis.js';

/**
 * Opens (and closes) a TCP connection to host:port.
 * @returns undefined when it opened within `timeoutMs`, else the socket error's code (`ECONNREFUSED`, `ENOTFOUND`,
 *          `ETIMEDOUT` when it did not open in time).
 */
export function tcpError(host: string, port: number, timeoutMs: number): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: timeoutMs }, () => {
      socket.destroy();
      resolve(undefined);
    });
    socket.on('timeout', () => (socket.destroy(), resolve('ETIMEDOUT')));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

/** Whether host:port answers an HTTP/1.1 `GET /healthz` with a status line (a gRPC server does not). */
export function answersHttp1(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/healthz', timeout: timeoutMs, agent: false }, (res) => {
      res.resume();
      req.destroy();
      resolve(true);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Whether host:port completes a TLS handshake, offering HTTP/2 as gRPC does. The certificate is deliberately not
 * checked: the question is only whether the server speaks TLS at all.
 */
export function speaksTls(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = tlsConnect(
      {
        host,
        port,
        timeout: timeoutMs,
        rejectUnauthorized: false,
        ALPNProtocols: ['h2'],
        ...(isIP(host) === 0 && { servername: host }), // SNI takes host names only (RFC 6066)
      },
      () => (socket.destroy(), resolve(true)),
    );
    socket.on('timeout', () => socket.destroy(new Error('timeout')));
    socket.on('error', () => resolve(false));
  });
}

/**
 * A full TLS handshake with this site's CA, certificate and key, as gRPC makes it, waiting for the server's first
 * bytes (its HTTP/2 settings) to learn whether the server kept the connection: with TLS 1.3 a server refuses a client
 * certificate only after the client's side of the handshake is done, and grpc-js then reports no reason.
 * @returns undefined when the server answered, else why not (the certificate check's or the server's alert's message).
 */
export function tlsHandshakeError(
  host: string,
  port: number,
  tls: { caFile: string; certFile?: string; keyFile?: string },
  timeoutMs: number,
): Promise<string | undefined> {
  return new Promise((resolve) => {
    const socket = tlsConnect({
      host,
      port,
      timeout: timeoutMs,
      ca: readFileSync(tls.caFile),
      ...(tls.certFile && tls.keyFile && { cert: readFileSync(tls.certFile), key: readFileSync(tls.keyFile) }),
      ALPNProtocols: ['h2'],
      ...(isIP(host) === 0 && { servername: host }),
    });
    socket.once('data', () => (socket.destroy(), resolve(undefined)));
    socket.on('timeout', () => (socket.destroy(), resolve(`no answer within ${timeoutMs} ms`)));
    socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.message));
    socket.on('close', () => resolve(CLOSED_AFTER_HANDSHAKE)); // how Node's TLS server refuses a client certificate
  });
}

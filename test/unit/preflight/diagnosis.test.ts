import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { describe, it } from 'node:test';
import { lastError, refusalHint, transportHint, unreachableHint } from '../../../client-node/preflight/diagnosis.js';

describe('preflight diagnosis', () => {
  it('extracts the socket or TLS error from the details grpc-js wraps it in', () => {
    // Details as grpc-js 1.14 reports them (one with OpenSSL's file and line, one with a timestamp)
    const ssl =
      'No connection established. Last error: Error: 80BC2D20B07F0000:error:0A00010B:SSL routines:ssl3_get_record:' +
      'wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n. Resolution note: ';
    assert.equal(lastError(ssl), 'wrong version number');
    assert.equal(
      lastError('No connection established. Last error: Protocol error (2026-12-02T05:32:09.628Z). Resolution note: '),
      'Protocol error',
    );
    assert.equal(
      lastError('No connection established. Last error: Error: connect ECONNREFUSED 127.0.0.1:1. Resolution note: '),
      'connect ECONNREFUSED 127.0.0.1:1',
    );
  });

  it('says what each socket error means for the coordinator address', () => {
    assert.match(
      unreachableHint('db.example:50051', 'ENOTFOUND'),
      /cannot resolve the host "db\.example" \(ENOTFOUND\)/,
    );
    assert.match(unreachableHint('10.0.0.7:50051', 'ETIMEDOUT'), /no answer from 10\.0\.0\.7:50051 .* a firewall/);
    assert.match(
      unreachableHint('10.0.0.7:50051', 'EHOSTUNREACH'),
      /cannot connect to 10\.0\.0\.7:50051 \(EHOSTUNREACH\)/,
    );
  });

  it('falls back to the raw TLS error when it knows no better, and passes unknown refusals through', () => {
    const facts = { address: 'c:1', tls: { caFile: 'ca.pem' }, details: '', answersHttp1: false, speaksTls: true };
    assert.match(
      transportHint({ ...facts, handshake: 'sslv3 alert handshake failure' }),
      /TLS with c:1 failed \(sslv3 alert handshake failure\)/,
    );
    assert.equal(
      refusalHint(status.RESOURCE_EXHAUSTED, 'too many Join calls', 's'),
      'RESOURCE_EXHAUSTED: too many Join calls',
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  DEFAULT_RDP_ORDERS,
  epsilonFromRdp,
  RdpAccountant,
  sampledGaussianRdp,
} from '../../../shared/privacy/index.js';

/** |a − b| ≤ tol·|b|. */
function assertRelative(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol * Math.abs(expected), `${what}: ${actual}, expected ${expected}`);
}

// Reference values from an independent Python implementation of Mironov, Talwar, Zhang 2019: integer orders as the
// exact binomial sum in 60-digit mpmath arithmetic; fractional orders with the two series of Sec. 3.4 using scipy's
// log_ndtr for log erfc; (ε, δ) with the Balle et al. 2020 conversion over Opacus's default orders.
const RDP_REFERENCES: readonly [q: number, sigma: number, alpha: number, rdp: number][] = [
  [0.01, 1.1, 2, 0.0001285100816051618],
  [0.01, 1.1, 8, 0.0005840703355202511],
  [0.01, 1.1, 32, 8.469416433675926],
  [0.1, 1.0, 4, 0.05867260696008051],
  [0.01, 1.1, 2.5, 0.00016207740933095767],
  [0.1, 1.0, 1.5, 0.011734592196496607],
  [0.001, 0.8, 6.3, 1.2371762449785666e-5],
  [1e-6, 1.0, 10, 8.591594892365373e-12],
];

describe('sampled Gaussian RDP', () => {
  it('is α/(2σ²) at q = 1 (the Gaussian mechanism)', () => {
    for (const sigma of [0.5, 1, 3.7])
      for (const alpha of [1.5, 2, 10, 63]) {
        assert.equal(sampledGaussianRdp(1, sigma, [alpha])[0], alpha / (2 * sigma * sigma));
      }
  });

  it('matches an independent high-precision implementation at integer and fractional orders', () => {
    for (const [q, sigma, alpha, expected] of RDP_REFERENCES) {
      assertRelative(sampledGaussianRdp(q, sigma, [alpha])[0]!, expected, 1e-6, `q ${q} σ ${sigma} α ${alpha}`);
    }
  });

  it('is 0 without sampling, ∞ without noise, and grows with the order', () => {
    assert.deepEqual([...sampledGaussianRdp(0, 1, [2, 5.5])], [0, 0]);
    assert.deepEqual([...sampledGaussianRdp(0.1, 0, [2, 5.5])], [Infinity, Infinity]);
    const curve = sampledGaussianRdp(0.05, 1.2);
    for (let i = 1; i < curve.length; i++) assert.ok(curve[i]! >= curve[i - 1]!, `order ${DEFAULT_RDP_ORDERS[i]}`);
  });

  it('stays finite for small σ and tiny q', () => {
    for (const v of sampledGaussianRdp(1e-6, 0.3)) assert.ok(Number.isFinite(v) || v === Infinity);
    for (const v of sampledGaussianRdp(0.01, 0.3, [2, 3.5, 10])) assert.ok(Number.isFinite(v) && v > 0);
  });

  it('refuses q outside [0, 1], a negative σ and orders ≤ 1, naming them', () => {
    assert.throws(() => sampledGaussianRdp(1.5, 1), /samplingRate 1.5/);
    assert.throws(() => sampledGaussianRdp(0.1, -1), /noiseMultiplier -1/);
    assert.throws(() => sampledGaussianRdp(0.1, 1, [1]), /order 1 /);
  });
});

describe('RDP to (ε, δ)', () => {
  it('picks the best order of the Balle et al. conversion, never below 0', () => {
    const orders = [2, 4];
    const { epsilon, order } = epsilonFromRdp([1, 1.2], orders, 1e-5);
    const at = (rdp: number, a: number) => rdp + Math.log((a - 1) / a) - (Math.log(1e-5) + Math.log(a)) / (a - 1);
    assert.equal(order, 4);
    assert.equal(epsilon, Math.min(at(1, 2), at(1.2, 4)));
    assert.equal(epsilonFromRdp([0, 0], orders, 0.5).epsilon, 0);
    assert.throws(() => epsilonFromRdp([1], orders, 1e-5), /1 RDP values for 2 orders/);
    assert.throws(() => epsilonFromRdp([1, 1], orders, 0), /delta 0/);
  });
});

describe('RdpAccountant', () => {
  it('gives the reference ε of DP-SGD on MNIST (q = 256/60000, σ = 1.1, 60 epochs, δ = 1e-5)', () => {
    const accountant = new RdpAccountant();
    accountant.step(1.1, 256 / 60_000, 14_062);
    const { epsilon, order } = accountant.epsilon(1e-5);
    assertRelative(epsilon, 2.5965558689632124, 1e-4, 'ε');
    assert.equal(order, 8.1);
  });

  it('gives the reference ε of client-level FL (10 of 100 clients, σ = 1, 100 rounds) and of q = 1', () => {
    const fl = new RdpAccountant();
    for (let round = 0; round < 100; round++) fl.step(1.0, 0.1);
    assertRelative(fl.epsilon(1e-5).epsilon, 7.899255002434389, 1e-4, 'FL ε');
    assert.deepEqual(fl.history(), [{ noiseMultiplier: 1, samplingRate: 0.1, count: 100 }]);
    const all = new RdpAccountant([{ noiseMultiplier: 2, samplingRate: 1, count: 10 }]);
    assertRelative(all.epsilon(1e-5).epsilon, 8.079406222420491, 1e-4, 'q = 1 ε');
  });

  it('composes additively: k steps give k times one step at every order', () => {
    const one = new RdpAccountant();
    one.step(0.9, 0.2);
    const k = new RdpAccountant();
    k.step(0.9, 0.2, 7);
    const rdp = sampledGaussianRdp(0.2, 0.9).map((v) => 7 * v);
    assert.deepEqual(k.epsilon(1e-6), epsilonFromRdp(rdp, DEFAULT_RDP_ORDERS, 1e-6));
    assert.ok(k.epsilon(1e-6).epsilon > one.epsilon(1e-6).epsilon);
  });

  it('previews the next step without recording it, and rebuilds from its JSON history', () => {
    const accountant = new RdpAccountant();
    accountant.step(1.2, 0.3, 3);
    accountant.step(0.8, 0.5);
    const preview = accountant.epsilonAfterStep(1.2, 0.3, 1e-5);
    assert.equal(accountant.history().length, 2);
    const copy = new RdpAccountant(JSON.parse(JSON.stringify(accountant.history())));
    assert.deepEqual(copy.epsilon(1e-5), accountant.epsilon(1e-5));
    copy.step(1.2, 0.3);
    assert.equal(copy.epsilon(1e-5).epsilon, preview);
    assert.ok(preview > accountant.epsilon(1e-5).epsilon);
  });

  it('spends nothing before a step and refuses bad steps and δ, naming them', () => {
    const accountant = new RdpAccountant();
    assert.equal(accountant.epsilon(1e-5).epsilon, 0);
    assert.throws(() => accountant.epsilon(1), /delta 1/);
    assert.throws(() => accountant.step(1, 0), /samplingRate 0/);
    assert.throws(() => accountant.step(1, 0.5, 1.5), /count 1.5/);
    assert.throws(() => accountant.step(Number.NaN, 0.5), /noiseMultiplier NaN/);
    assert.deepEqual(accountant.history(), []);
  });
});

export { DEFAULT_RDP_ORDERS, sampledGaussianRdp, epsilonFromRdp } from './rdp.js';
export { RdpAccountant, type PrivacyStep } from './rdp-accountant.js';
export { addGaussianNoise, secureRandomBytes, type RandomBytes } from './gaussian-noise.js';
export { clipFactor, clipInPlace } from './clipping.js';
export { adaptiveUpdateNoiseMultiplier, nextClippingNorm } from './adaptive-clipping.js';

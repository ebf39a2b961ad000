export { CertificateFiles } from './certificate-files.js';
export { serverCredentials, channelCredentials, type ChannelSecurity } from './credentials.js';
export { registerCertificateExpiry, CERTIFICATE_EXPIRY_METRIC } from './expiry-metric.js';

/**
 * Entry of a benchmark peer process (see peers.ts): `--simulate address first count [keepaliveMs]`,
 * `--tcp-peer port connections bytes repeats`, `--transfer-site address tcpPort bytes bareAddress`,
 * `--codec-site address` or `--bare-http2 port tcpPort bytes repeats`.
 */
import { bareHttp2Peer } from './bare-http2.js';
import { codecSite, simulator, tcpPeer, transferSite } from './peers.js';

const [mode, ...args] = process.argv.slice(2);
if (mode === '--simulate') await simulator(args[0]!, Number(args[1]), Number(args[2]), Number(args[3] ?? 0));
else if (mode === '--tcp-peer') await tcpPeer(Number(args[0]), Number(args[1]), Number(args[2]), Number(args[3]));
else if (mode === '--transfer-site') await transferSite(args[0]!, Number(args[1]), Number(args[2]), args[3]!);
else if (mode === '--codec-site') await codecSite(args[0]!);
else if (mode === '--bare-http2')
  await bareHttp2Peer(Number(args[0]), Number(args[1]), Number(args[2]), Number(args[3]));
else throw new Error(`unknown peer mode ${mode}`);
process.exit(0);

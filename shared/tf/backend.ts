import { registerWasmKernels } from './wasm-kernels.js';

/** The TensorFlow.js namespace (the same API whichever backend runs). */
export type Tf = typeof import('@tensorflow/tfjs');

/** Backend choices; `auto` tries them in the order tfjs-node-gpu → tfjs-node → wasm → cpu. */
export const BACKENDS = ['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendPreference = (typeof BACKENDS)[number];

/** A loaded tfjs and the backend it runs on (`tensorflow` for the native bindings, `wasm` or `cpu`). */
export interface LoadedTf {
  tf: Tf;
  backend: string;
  /** Why faster backends were skipped, for the log (e.g. "tfjs-node: not installed"). */
  skipped: string[];
}

async function tryNative(pkg: string): Promise<Tf> {
  // The native packages are optionalDependencies: absent wherever libtensorflow could not be downloaded.
  return (await import(pkg)) as Tf;
}

/**
 * Loads TensorFlow.js on the fastest backend this machine has: `@tensorflow/tfjs-node-gpu`, then
 * `@tensorflow/tfjs-node`, then the WebAssembly backend (SIMD, one thread in Node; fedsift registers the kernels it
 * lacks, see wasm-kernels.ts), then the pure-JS cpu backend. A specific preference loads only that backend.
 * @throws {Error} when a specific preference cannot be loaded.
 */
export async function loadTf(preference: BackendPreference = 'auto'): Promise<LoadedTf> {
  const skipped: string[] = [];
  const natives: [BackendPreference, string][] = [
    ['tensorflow-gpu', '@tensorflow/tfjs-node-gpu'],
    ['tensorflow', '@tensorflow/tfjs-node'],
  ];
  for (const [name, pkg] of natives) {
    if (preference !== 'auto' && preference !== name) continue;
    try {
      const tf = await tryNative(pkg);
      await tf.ready();
      return { tf, backend: tf.getBackend(), skipped };
    } catch (err) {
      if (preference === name) throw new Error(`backend ${name}: ${pkg} cannot be loaded: ${(err as Error).message}`);
      skipped.push(`${pkg}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  const tf = await import('@tensorflow/tfjs');
  if (preference === 'auto' || preference === 'wasm') {
    try {
      await import('@tensorflow/tfjs-backend-wasm');
      if (!(await tf.setBackend('wasm'))) throw new Error('setBackend("wasm") returned false');
      registerWasmKernels(tf);
      return { tf, backend: 'wasm', skipped };
    } catch (err) {
      if (preference === 'wasm') throw new Error(`backend wasm cannot be initialised: ${(err as Error).message}`);
      skipped.push(`wasm: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  await tf.setBackend('cpu');
  return { tf, backend: 'cpu', skipped };
}

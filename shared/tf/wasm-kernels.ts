/** The tfjs module's type. */
type Tf = typeof import('@tensorflow/tfjs');

type KernelArgs = Parameters<Parameters<Tf['registerKernel']>[0]['kernelFunc']>[0];
type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (Array.isArray(v) ? v : [v, v]);

/**
 * Registers gradient kernels the tfjs wasm backend lacks or runs slowly, built from its fast XNNPACK forward ops.
 * Measured on this project's machines (../shared/notes/platform-probes.md): without Conv2DBackpropFilter a CNN cannot
 * train on wasm at all; with these three a batch-32 CNN step drops from 15.5 ms to 10.9 ms; gradients match the cpu
 * backend within 3e-7. Shapes handled: NHWC, stride 1 convolutions, 2×2/2 valid max pooling; anything else falls back
 * to the original kernel or throws. Idempotent.
 */
export function registerWasmKernels(tf: Tf): void {
  replaceKernel(tf, 'Conv2DBackpropFilter', (orig) => (args) => {
    const { x, dy } = args.inputs as {
      x: import('@tensorflow/tfjs').Tensor4D;
      dy: import('@tensorflow/tfjs').Tensor4D;
    };
    const { strides, pad, filterShape } = args.attrs as { strides: Pair; pad: string; filterShape: number[] };
    const [sh, sw] = pair(strides);
    if (sh !== 1 || sw !== 1 || (pad !== 'same' && pad !== 'valid')) {
      if (orig) return orig(args);
      throw new Error('wasm Conv2DBackpropFilter: only stride 1 with same/valid padding is supported');
    }
    return tf.tidy(() => {
      let xx = x;
      if (pad === 'same') {
        const ph = filterShape[0]! - 1,
          pw = filterShape[1]! - 1;
        xx = tf.pad(x, [
          [0, 0],
          [ph >> 1, ph - (ph >> 1)],
          [pw >> 1, pw - (pw >> 1)],
          [0, 0],
        ]);
      }
      // dW[kh,kw,ci,co] = Σ_b,h,w x[b,h+kh,w+kw,ci]·dy[b,h,w,co]: a valid convolution of x (batch as channels) by dy.
      return tf.transpose(
        tf.conv2d(tf.transpose(xx, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid'),
        [1, 2, 0, 3],
      );
    });
  });
  replaceKernel(tf, 'Conv2DBackpropInput', (orig) => (args) => {
    const { dy, filter } = args.inputs as {
      dy: import('@tensorflow/tfjs').Tensor4D;
      filter: import('@tensorflow/tfjs').Tensor4D;
    };
    const { strides, pad, dataFormat } = args.attrs as { strides: Pair; pad: string; dataFormat?: string };
    const [sh, sw] = pair(strides);
    if (orig && (sh !== 1 || sw !== 1 || pad !== 'valid' || (dataFormat && dataFormat !== 'NHWC'))) return orig(args);
    const [kh, kw] = filter.shape;
    // Full convolution of dy with the spatially flipped filter, in/out channels swapped.
    return tf.tidy(() =>
      tf.conv2d(
        tf.pad(dy, [
          [0, 0],
          [kh - 1, kh - 1],
          [kw - 1, kw - 1],
          [0, 0],
        ]),
        tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]),
        1,
        'valid',
      ),
    );
  });
  replaceKernel(tf, 'MaxPoolGrad', (orig) => (args) => {
    const { dy, input, output } = args.inputs as Record<string, import('@tensorflow/tfjs').Tensor4D>;
    const { filterSize, strides, pad } = args.attrs as { filterSize: Pair; strides: Pair; pad: string };
    const [fh, fw] = pair(filterSize),
      [sh, sw] = pair(strides);
    const [, h, w] = input!.shape;
    if (fh !== 2 || fw !== 2 || sh !== 2 || sw !== 2 || pad !== 'valid' || h % 2 || w % 2) {
      if (orig) return orig(args);
      throw new Error('wasm MaxPoolGrad: only 2x2 pooling with stride 2 and valid padding is supported');
    }
    return tf.tidy(() => {
      const up = (t: import('@tensorflow/tfjs').Tensor4D) => tf.image.resizeNearestNeighbor(t, [h, w]);
      return tf.mul(tf.cast(tf.equal(input!, up(output!)), 'float32'), up(dy!));
    });
  });
}

type KernelFunc = (args: KernelArgs) => ReturnType<Parameters<Tf['registerKernel']>[0]['kernelFunc']>;

const REPLACED = Symbol.for('fedsift.wasmKernel');

function replaceKernel(tf: Tf, kernelName: string, make: (orig: KernelFunc | undefined) => KernelFunc): void {
  const existing = tf.getKernel(kernelName, 'wasm') as
    (ReturnType<Tf['getKernel']> & { [REPLACED]?: true }) | undefined;
  if (existing?.[REPLACED]) return;
  if (existing) tf.unregisterKernel(kernelName, 'wasm');
  const config = {
    kernelName,
    backendName: 'wasm',
    setupFunc: existing?.setupFunc,
    kernelFunc: make(existing?.kernelFunc as KernelFunc | undefined),
    [REPLACED]: true as const,
  };
  tf.registerKernel(config as Parameters<Tf['registerKernel']>[0]);
}

package dev.splot.nn;

import dev.splot.backend.Padding;
import dev.splot.backend.Shapes;
import java.util.ArrayList;
import java.util.List;

/**
 * The one place where a model's sizes are checked before anything is allocated: every shape,
 * parameter count, im2col matrix and multiply-add count is computed in 64 bits (saturating, so
 * a hostile description cannot overflow) and compared with a stated bound, and kernels, pools
 * and strides that could not mean anything are refused. {@link Sequential.Builder#build} runs it
 * first, so a description from a checkpoint is refused before any backend work starts.
 *
 * <p>The bounds, and why:
 * <ul>
 *   <li>one tensor (an activation of one sample, a weight, a batch) at most
 *       {@link Shapes#MAX_TENSOR_VALUES} = 2^28 values; the reason is given there;
 *   <li>the im2col matrix of one sample's convolution (channels x kernel area x output positions)
 *       at most the same 2^28: the native and OpenCL backends build it as one buffer indexed
 *       with 32-bit ints;
 *   <li>the whole model at most {@link #MAX_PARAMETERS} = 2^28 parameters: with gradients and
 *       AdaDelta's two accumulators that is 4 GiB of float32;
 *   <li>at most {@link #MAX_MULTIPLY_ADDS} = 10^10 multiply-adds per sample (forward): about
 *       2.5 times ResNet-50 at 224x224 and 800 times the MNIST CNN; beyond it one sample takes
 *       seconds to minutes on the Java backend, i.e. a model that large is a mistake or an attack;
 *   <li>every row and column of a kernel must overlap the input at some output position (a
 *       larger kernel with 'same' padding only multiplies zeros, and a 1x3,000,000 kernel kept
 *       the native backend busy for minutes), and a kernel or pool with 'valid' padding must fit
 *       in its input;
 *   <li>a stride at most the input's larger side: any larger stride places the same single window.
 * </ul>
 */
public final class ModelLimits {
    /** The most trainable values a model may have (2^28, 1 GiB as float32). */
    public static final long MAX_PARAMETERS = 1L << 28;
    /** The most multiply-adds one sample's forward pass may take. */
    public static final long MAX_MULTIPLY_ADDS = 10_000_000_000L;

    private ModelLimits() {}

    /**
     * What the check found: each layer's per-sample output shape, the parameter count, the largest
     * tensor that grows with the batch, per sample (the input, an activation, or a convolution's
     * weight-gradient partial sums), and the forward multiply-adds per sample.
     *
     * @param outputShapes each layer's per-sample output shape, in layer order
     * @param parameters the number of trainable values
     * @param largestPerSample values per sample of the largest tensor that grows with the batch
     * @param multiplyAdds forward multiply-adds per sample
     */
    public record Size(List<int[]> outputShapes, long parameters, long largestPerSample, long multiplyAdds) {
        /** @return the largest batch whose tensors all stay within {@link Shapes#MAX_TENSOR_VALUES} */
        public int maxBatch() {
            return (int) Math.min(Integer.MAX_VALUE, Shapes.MAX_TENSOR_VALUES / largestPerSample);
        }
    }

    /**
     * Checks {@code layers} on per-sample inputs of {@code inputShape}, in order.
     *
     * @param inputShape one sample's input shape
     * @param layers the layers, not yet built
     * @return the shapes and sizes found
     * @throws IllegalArgumentException naming the layer, the size, the bound and why, at the first
     *     layer that does not fit (also when a layer rejects its input shape)
     */
    public static Size check(int[] inputShape, List<Layer> layers) {
        long inputValues = Shapes.size(inputShape);
        if (inputValues > Shapes.MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException("the model input " + Shapes.toString(inputShape) + " holds " + inputValues
                    + " values per sample, more than the limit of " + Shapes.MAX_TENSOR_VALUES + " per tensor");
        }
        List<int[]> shapes = new ArrayList<>();
        long params = 0, largest = inputValues, macs = 0;
        int[] shape = inputShape;
        List<String> names = Sequential.layerNames(layers);
        for (int i = 0; i < layers.size(); i++) {
            Layer layer = layers.get(i);
            String where = "layer " + i + " '" + names.get(i) + "' (" + layer + ")";
            if (layer instanceof Conv2D c && shape.length == 3) {
                requireWindow(where, "kernel", c.kernelH(), c.kernelW(), c.stride(), c.padding(), shape);
            } else if (layer instanceof Pool2D p && shape.length == 3) {
                requireWindow(where, "pool", p.pool(), p.pool(), p.stride(), Padding.VALID, shape);
            }
            int[] out;
            try {
                out = layer.outputShape(shape);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + " cannot take input of shape " + Shapes.toString(shape) + " from "
                        + (i == 0 ? "the model input" : "layer " + (i - 1) + " '" + names.get(i - 1) + "'") + ": "
                        + e.getMessage(), e);
            }
            long outValues = Shapes.size(out);
            requireTensor(where, "its output " + Shapes.toString(out) + " of one sample", outValues);
            largest = Math.max(largest, outValues);
            long layerMacs = 0, layerParams = 0;
            if (layer instanceof Conv2D c) {
                long window = Shapes.times(Shapes.times(shape[0], c.kernelH()), c.kernelW());
                long weights = Shapes.times(c.filters(), window);
                requireTensor(where, "its weights " + Shapes.toString(c.filters(), shape[0], c.kernelH(), c.kernelW()), weights);
                long positions = (long) out[1] * out[2];
                long im2col = Shapes.times(window, positions);
                requireTensor(where, "its im2col matrix of one sample (" + window + " x " + positions + ")", im2col);
                // backends build im2col per sample or in chunks, but the Java backend keeps one weight-gradient partial
                // sum per sample of the batch
                largest = Math.max(largest, weights + c.filters());
                layerParams = weights + c.filters();
                layerMacs = c.filters() * im2col; // below 2^31 * 2^28
            } else if (layer instanceof Dense d) {
                long weights = Shapes.times(d.units(), shape[0]);
                requireTensor(where, "its weights " + Shapes.toString(d.units(), shape[0]), weights);
                layerParams = weights + d.units();
                layerMacs = weights;
            } else if (layer instanceof BatchNorm2D && shape.length == 3) {
                layerParams = 2L * shape[0];
            }
            params += layerParams; // each term is at most 2^28 + 2^31: no overflow
            if (params > MAX_PARAMETERS) {
                throw new IllegalArgumentException("the layers up to " + where + " have " + params
                        + " parameters, more than the limit of " + MAX_PARAMETERS
                        + " (with gradients and optimizer state, 4 GiB of float32)");
            }
            macs += layerMacs; // each term is below 2^59 and the sum stays below the limit: no overflow
            if (macs > MAX_MULTIPLY_ADDS) {
                throw new IllegalArgumentException("the layers up to " + where + " need " + macs
                        + " multiply-adds per sample, more than the limit of " + MAX_MULTIPLY_ADDS
                        + " (2.5 times ResNet-50; one sample would take minutes on the Java backend)");
            }
            shapes.add(out);
            shape = out;
        }
        return new Size(List.copyOf(shapes), params, largest, macs);
    }

    /**
     * Refuses a batch size whose tensors (or host buffers) would exceed {@link Shapes#MAX_TENSOR_VALUES}.
     *
     * @param model the built model
     * @param batchSize the wanted samples per batch
     * @throws IllegalArgumentException saying the largest batch size the model allows
     */
    public static void requireBatch(Sequential model, int batchSize) {
        if (batchSize <= 0) throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
        Size size = check(model.inputShape(), model.layers());
        if (batchSize > size.maxBatch()) {
            throw new IllegalArgumentException("batch size " + batchSize + " is too large for this model: its largest tensor of "
                    + "one sample holds " + size.largestPerSample() + " values, so a batch would hold "
                    + Shapes.times(batchSize, size.largestPerSample()) + ", more than the limit of " + Shapes.MAX_TENSOR_VALUES
                    + " per tensor; the largest batch size it allows is " + size.maxBatch());
        }
    }

    private static void requireTensor(String where, String what, long values) {
        if (values > Shapes.MAX_TENSOR_VALUES) {
            throw new IllegalArgumentException(where + ": " + what + " would hold "
                    + (values == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(values)) + " values, more than the limit of "
                    + Shapes.MAX_TENSOR_VALUES + " per tensor");
        }
    }

    /** Refuses windows (kernels, pools) and strides that cannot mean anything on a (c, h, w) input. */
    private static void requireWindow(String where, String kind, int kh, int kw, int stride, Padding padding, int[] in) {
        int h = in[1], w = in[2];
        if (stride > Math.max(h, w)) {
            throw new IllegalArgumentException(where + ": stride " + stride + " is larger than its " + h + "x" + w
                    + " input, where every stride of " + Math.max(h, w) + " or more places the same single window");
        }
        // with 'valid' padding the layer itself refuses a window larger than its input
        if (padding == Padding.SAME && (unusedRowsOrColumns(h, kh, stride) || unusedRowsOrColumns(w, kw, stride))) {
            throw new IllegalArgumentException(where + ": with 'same' padding on a " + h + "x" + w + " input, parts of the "
                    + kh + "x" + kw + " " + kind + " never overlap the input at any output position (they would only "
                    + "multiply padding zeros); use a " + kind + " of at most " + h + "x" + w);
        }
    }

    /** Whether, on one axis with 'same' padding, the first or last kernel row lies in the padding at every output position. */
    private static boolean unusedRowsOrColumns(long in, long k, long stride) {
        long out = (in + stride - 1) / stride;
        long before = Math.max((out - 1) * stride + k - in, 0) / 2; // padding before the input, as ConvGeometry places it
        // window i covers kernel rows [before - i*stride, before - i*stride + in) of the input
        return before - (out - 1) * stride > 0 || before + in < k;
    }
}

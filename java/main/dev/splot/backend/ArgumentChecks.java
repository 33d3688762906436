package dev.splot.backend;

import java.util.Arrays;

/**
 * The argument checks of every {@link Backend} operation, for {@link AbstractBackend}'s front door: tensors present,
 * owned by this backend, of the right dtype, not closed, and shaped as the geometry says; scalars in range. Each check
 * names the operation it runs for, which for a fused op is the fused op's name (it runs its primitives' checks), so
 * a message is the same whatever the backend.
 */
final class ArgumentChecks {
    private final Backend owner;

    /** Checks for tensors that must belong to {@code owner}. */
    ArgumentChecks(Backend owner) {
        this.owner = owner;
    }

    // ---- per operation ------------------------------------------------------------------------

    void conv2dForward(String op, Tensor x, Tensor w, Tensor b, Tensor y, ConvGeometry g) {
        floats(op, x, w, b, y);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "w", w, g.weightShape());
        Shapes.require(op, "b", b, g.o());
        Shapes.require(op, "y", y, g.outputShape());
    }

    void conv2dBackwardData(String op, Tensor dy, Tensor w, Tensor dx, ConvGeometry g) {
        floats(op, dy, w, dx);
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "w", w, g.weightShape());
        Shapes.require(op, "dx", dx, g.inputShape());
    }

    void conv2dBackwardWeights(String op, Tensor x, Tensor dy, Tensor dw, Tensor db, ConvGeometry g) {
        floats(op, x, dy, dw, db);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "dw", dw, g.weightShape());
        Shapes.require(op, "db", db, g.o());
    }

    void maxPoolForward(String op, Tensor x, Tensor y, Tensor argmax, PoolGeometry g) {
        floats(op, x, y);
        ints(op, argmax);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "y", y, g.outputShape());
        Shapes.require(op, "argmax", argmax, g.outputShape());
    }

    void maxPoolBackward(String op, Tensor dy, Tensor argmax, Tensor dx, PoolGeometry g) {
        floats(op, dy, dx);
        ints(op, argmax);
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "argmax", argmax, g.outputShape());
        Shapes.require(op, "dx", dx, g.inputShape());
    }

    void reluForward(String op, Tensor x, Tensor y) {
        floats(op, x, y);
        Shapes.requireSameSize(op, x, y);
    }

    void reluBackward(String op, Tensor dy, Tensor y, Tensor dx) {
        floats(op, dy, y, dx);
        Shapes.requireSameSize(op, dy, y);
        Shapes.requireSameSize(op, dy, dx);
    }

    void dropoutForward(String op, Tensor x, Tensor y, Tensor mask, float rate, long firstIndex) {
        floats(op, x, y, mask);
        Shapes.requireSameSize(op, x, y);
        Shapes.requireSameSize(op, x, mask);
        if (!(rate >= 0f && rate < 1f)) {
            throw new IllegalArgumentException(op + ": rate must be in [0, 1), got " + rate);
        }
        if (firstIndex < 0) {
            throw new IllegalArgumentException(op + ": the first element's stream index must be >= 0, got " + firstIndex);
        }
    }

    void dropoutBackward(String op, Tensor dy, Tensor mask, Tensor dx) {
        floats(op, dy, mask, dx);
        Shapes.requireSameSize(op, dy, mask);
        Shapes.requireSameSize(op, dy, dx);
    }

    /** x [n, in], w [out, in], b [out], y [n, out]. */
    void denseForward(String op, Tensor x, Tensor w, Tensor b, Tensor y) {
        floats(op, x, w, b, y);
        requireRank(op, "x", x, 2);
        requireRank(op, "w", w, 2);
        int n = x.dim(0), in = x.dim(1), out = w.dim(0);
        Shapes.require(op, "w", w, out, in);
        Shapes.require(op, "b", b, out);
        Shapes.require(op, "y", y, n, out);
    }

    /** As {@link #denseForward}, with dy [n, out], dw [out, in], db [out] and dx [n, in] where given. */
    void denseBackward(String op, Tensor dy, Tensor x, Tensor w, Tensor dx, Tensor dw, Tensor db) {
        floats(op, dy, x, w, dw, db);
        requireRank(op, "x", x, 2);
        requireRank(op, "w", w, 2);
        int n = x.dim(0), in = x.dim(1), out = w.dim(0);
        Shapes.require(op, "w", w, out, in);
        Shapes.require(op, "dy", dy, n, out);
        Shapes.require(op, "dw", dw, out, in);
        Shapes.require(op, "db", db, out);
        if (dx != null) {
            floats(op, dx);
            Shapes.require(op, "dx", dx, n, in);
        }
    }

    /** logits [n, k], INT32 labels [n], dlogits [n, k] where given. */
    void softmaxCrossEntropy(String op, Tensor logits, Tensor labels, Tensor dlogits) {
        floats(op, logits);
        ints(op, labels);
        requireRank(op, "logits", logits, 2);
        int n = logits.dim(0), k = logits.dim(1);
        Shapes.require(op, "labels", labels, n);
        if (dlogits != null) {
            floats(op, dlogits);
            Shapes.require(op, "dlogits", dlogits, n, k);
        }
    }

    void softmax(String op, Tensor logits, Tensor probs) {
        floats(op, logits, probs);
        requireRank(op, "logits", logits, 2);
        Shapes.require(op, "probs", probs, logits.shape());
    }

    /** An optimizer's tensors: FLOAT32, each holding as many values as its parameter (the first). */
    void optimizerState(String op, Tensor param, Tensor... others) {
        floats(op, param);
        floats(op, others);
        for (Tensor t : others) Shapes.requireSameSize(op, param, t);
    }

    void sgd(String op, Tensor param, Tensor grad, Tensor momentumBuffer, float momentum, boolean nesterov) {
        optimizerState(op, param, grad);
        if ((momentumBuffer == null) != (momentum == 0)) {
            throw new IllegalArgumentException(op + ": the momentum buffer must be given exactly when momentum is not 0 (momentum "
                    + momentum + ", buffer " + momentumBuffer + ")");
        }
        if (nesterov && momentum == 0) throw new IllegalArgumentException(op + ": Nesterov momentum needs momentum not 0");
        if (momentumBuffer != null) optimizerState(op, param, momentumBuffer);
    }

    void adam(String op, Tensor param, Tensor grad, Tensor expAvg, Tensor expAvgSq, long step) {
        optimizerState(op, param, grad, expAvg, expAvgSq);
        if (step < 1) throw new IllegalArgumentException(op + ": step counts from 1, got " + step);
    }

    void avgPoolForward(String op, Tensor x, Tensor y, PoolGeometry g) {
        floats(op, x, y);
        Shapes.require(op, "x", x, g.inputShape());
        Shapes.require(op, "y", y, g.outputShape());
    }

    void avgPoolBackward(String op, Tensor dy, Tensor dx, PoolGeometry g) {
        floats(op, dy, dx);
        Shapes.require(op, "dy", dy, g.outputShape());
        Shapes.require(op, "dx", dx, g.inputShape());
    }

    void batchNormForwardTraining(String op, Tensor x, Tensor gamma, Tensor beta, Tensor y, Tensor mean, Tensor invStd,
            Tensor runningMean, Tensor runningVar, float momentum, float eps) {
        floats(op, x, gamma, beta, y, mean, invStd, runningMean, runningVar);
        int c = batchNormChannels(op, x, eps);
        Shapes.require(op, "gamma", gamma, c);
        Shapes.require(op, "beta", beta, c);
        Shapes.require(op, "mean", mean, c);
        Shapes.require(op, "invStd", invStd, c);
        Shapes.require(op, "runningMean", runningMean, c);
        Shapes.require(op, "runningVar", runningVar, c);
        Shapes.require(op, "y", y, x.shape());
        if (!(momentum >= 0f && momentum <= 1f)) {
            throw new IllegalArgumentException(op + ": momentum must be in [0, 1], got " + momentum);
        }
        if ((long) x.dim(0) * x.dim(2) * x.dim(3) < 2) {
            throw new IllegalArgumentException(op + ": x " + Shapes.toString(x.shape()) + " has one value per channel (batch x "
                    + "height x width = 1), so there is no batch variance; train with a batch of at least 2 (as PyTorch requires)");
        }
    }

    void batchNormForwardInference(String op, Tensor x, Tensor gamma, Tensor beta, Tensor runningMean, Tensor runningVar,
            Tensor y, float eps) {
        floats(op, x, gamma, beta, runningMean, runningVar, y);
        int c = batchNormChannels(op, x, eps);
        Shapes.require(op, "gamma", gamma, c);
        Shapes.require(op, "beta", beta, c);
        Shapes.require(op, "runningMean", runningMean, c);
        Shapes.require(op, "runningVar", runningVar, c);
        Shapes.require(op, "y", y, x.shape());
    }

    void batchNormBackward(String op, Tensor dy, Tensor x, Tensor gamma, Tensor mean, Tensor invStd, Tensor dx, Tensor dgamma,
            Tensor dbeta) {
        floats(op, dy, x, gamma, mean, invStd, dx, dgamma, dbeta);
        int c = batchNormChannels(op, x, 1f);
        Shapes.require(op, "gamma", gamma, c);
        Shapes.require(op, "mean", mean, c);
        Shapes.require(op, "invStd", invStd, c);
        Shapes.require(op, "dgamma", dgamma, c);
        Shapes.require(op, "dbeta", dbeta, c);
        Shapes.require(op, "dy", dy, x.shape());
        Shapes.require(op, "dx", dx, x.shape());
    }

    /** The fused convolution forward into a pooling: the convolution's tensors, the pooling's input its output. */
    void conv2dReluMaxPoolForward(String op, Tensor x, Tensor w, Tensor b, Tensor pooled, Tensor argmax, Tensor scratch,
            ConvGeometry conv, PoolGeometry pool) {
        floats(op, x, w, b, pooled);
        ints(op, argmax);
        Shapes.require(op, "x", x, conv.inputShape());
        Shapes.require(op, "w", w, conv.weightShape());
        Shapes.require(op, "b", b, conv.o());
        poolingTheConvolution(op, pool, conv);
        Shapes.require(op, "pooled", pooled, pool.outputShape());
        Shapes.require(op, "argmax", argmax, pool.outputShape());
        if (scratch != null) {
            floats(op, scratch);
            Shapes.require(op, "scratch", scratch, conv.outputShape());
        }
    }

    /** The fused pooling backward: dy, mask, argmax and pooled shaped as the pooling's output, dx as its input. */
    void dropoutMaxPoolReluBackward(String op, Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, Tensor dx, PoolGeometry g) {
        dropoutBackward(op, dy, mask, dy);
        maxPoolBackward(op, dy, argmax, dx, g);
        floats(op, pooled);
        Shapes.require(op, "pooled", pooled, g.outputShape());
    }

    /**
     * The fused convolution backward from a pooled gradient: the pool's tensors, the pooling's input being the
     * convolution's output, then the convolution's tensors.
     */
    void dropoutMaxPoolReluConv2dBackward(String op, Tensor dy, Tensor mask, Tensor argmax, Tensor pooled, PoolGeometry pool,
            Tensor x, Tensor w, Tensor dw, Tensor db, Tensor inputReluOutput, Tensor dx, ConvGeometry conv) {
        floats(op, dy, mask, pooled, x, w, dw, db);
        ints(op, argmax);
        Shapes.require(op, "dy", dy, pool.outputShape());
        Shapes.require(op, "mask", mask, pool.outputShape());
        Shapes.require(op, "argmax", argmax, pool.outputShape());
        Shapes.require(op, "pooled", pooled, pool.outputShape());
        poolingTheConvolution(op, pool, conv);
        Shapes.require(op, "x", x, conv.inputShape());
        Shapes.require(op, "w", w, conv.weightShape());
        Shapes.require(op, "dw", dw, conv.weightShape());
        Shapes.require(op, "db", db, conv.o());
        if (dx != null) {
            floats(op, dx);
            Shapes.require(op, "dx", dx, conv.inputShape());
        }
        if (inputReluOutput != null) {
            if (dx == null) throw new IllegalArgumentException(op + ": inputReluOutput is given but dx is not");
            reluBackward(op, dx, inputReluOutput, dx);
        }
    }

    private static void poolingTheConvolution(String op, PoolGeometry pool, ConvGeometry conv) {
        if (!Arrays.equals(pool.inputShape(), conv.outputShape())) {
            throw new IllegalArgumentException(op + ": the pooling's input " + Arrays.toString(pool.inputShape())
                    + " is not the convolution's output " + Arrays.toString(conv.outputShape()));
        }
    }

    // ---- memory -------------------------------------------------------------------------------

    /** An upload or download: t owned, of the array's dtype and length, not closed. */
    void transfer(String op, Tensor t, DType dtype, int length) {
        own(op, t);
        if (t.dtype() != dtype) {
            throw new IllegalArgumentException(op + ": " + t + " is " + t.dtype() + ", the array is " + dtype);
        }
        if (t.size() != length) {
            throw new IllegalArgumentException(op + ": " + t + " has " + t.size() + " elements, the array " + length);
        }
        t.handle();
    }

    void own(String op, Tensor t) {
        if (t.backend() != owner) {
            throw new IllegalArgumentException(op + ": " + t + " belongs to another backend than " + owner.name());
        }
    }

    /** Each tensor present, owned, FLOAT32 and not closed. */
    void floats(String op, Tensor... ts) {
        for (Tensor t : ts) {
            if (t == null) {
                throw new NullPointerException(op + ": a required tensor is null");
            }
            own(op, t);
            if (t.dtype() != DType.FLOAT32) {
                throw new IllegalArgumentException(op + ": " + t + " must be FLOAT32");
            }
            t.handle(); // fails on a closed tensor
        }
    }

    private void ints(String op, Tensor t) {
        if (t == null) {
            throw new NullPointerException(op + ": a required tensor is null");
        }
        own(op, t);
        if (t.dtype() != DType.INT32) {
            throw new IllegalArgumentException(op + ": " + t + " must be INT32");
        }
        t.handle();
    }

    private static void requireRank(String op, String arg, Tensor t, int rank) {
        if (t.rank() != rank) {
            throw new IllegalArgumentException(op + ": " + arg + " has shape " + Shapes.toString(t.shape())
                    + ", expected rank " + rank);
        }
    }

    /** x must be [n, c, h, w] and eps positive; returns c, the shape of every per-channel tensor. */
    private static int batchNormChannels(String op, Tensor x, float eps) {
        requireRank(op, "x", x, 4);
        if (!(eps > 0f)) throw new IllegalArgumentException(op + ": eps must be positive, got " + eps);
        return x.dim(1);
    }
}

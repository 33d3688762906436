package dev.splot.nn;

import dev.splot.backend.DType;
import dev.splot.backend.Tensor;
import java.util.Arrays;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The per-batch memory of one caller of a model: each layer's outputs, input gradients and what
 * its backward pass needs from the forward one (the input, a mask, argmax indices). Weights live in
 * the layers and are shared; everything that changes from call to call lives here, so two callers
 * with two workspaces never touch each other's activations. A {@link Sequential} has one for
 * training and evaluation; each {@link Predictor} has its own.
 *
 * <p>Not thread-safe: one workspace is used by one thread at a time. Buffers are reused from batch
 * to batch and reallocated only when a shape changes; {@link #close} frees them.
 */
public final class Workspace implements AutoCloseable {
    private final Map<Layer, Map<String, Tensor>> owned = new IdentityHashMap<>();
    private final Map<Layer, Map<String, Tensor>> kept = new IdentityHashMap<>();
    /** Buffers the last forward pass did not write (a fused op stood for their layer), with why. */
    private final Map<Layer, Map<String, String>> unwritten = new IdentityHashMap<>();
    private boolean closed;

    /**
     * The layer's buffer {@code slot} with {@code shape}, (re)allocated on the layer's backend when its shape changed.
     *
     * @param layer the layer that owns the buffer
     * @param slot the buffer's name within the layer, e.g. "output"
     * @param dtype the element type
     * @param shape the wanted shape
     * @return the buffer, owned by this workspace (contents undefined after a reallocation)
     * @throws IllegalStateException if the workspace is closed
     */
    public Tensor tensor(Layer layer, String slot, DType dtype, int... shape) {
        requireOpen();
        Map<String, String> stale = unwritten.get(layer);
        if (stale != null) stale.remove(slot);
        Map<String, Tensor> slots = owned.computeIfAbsent(layer, l -> new HashMap<>());
        Tensor current = slots.get(slot);
        if (current != null && current.dtype() == dtype && Arrays.equals(current.shape(), shape)) return current;
        if (current != null) current.close();
        Tensor t = layer.backend.allocate(dtype, shape);
        slots.put(slot, t);
        return t;
    }

    /**
     * As {@link #tensor(Layer, String, DType, int...)} for float32.
     *
     * @param layer the layer that owns the buffer
     * @param slot the buffer's name within the layer
     * @param shape the wanted shape
     * @return the buffer, owned by this workspace
     */
    public Tensor tensor(Layer layer, String slot, int... shape) {
        return tensor(layer, slot, DType.FLOAT32, shape);
    }

    /**
     * Remembers a tensor the workspace does not own (the layer's input, say) for the backward pass.
     *
     * @param layer the layer that will recall it
     * @param name its name within the layer
     * @param t the tensor; not closed by the workspace
     */
    public void keep(Layer layer, String name, Tensor t) {
        requireOpen();
        kept.computeIfAbsent(layer, l -> new HashMap<>()).put(name, t);
    }

    /**
     * What {@link #keep} or {@link #tensor} stored under {@code name}.
     *
     * @param layer the layer that stored it
     * @param name its name within the layer
     * @return the tensor
     * @throws IllegalStateException naming the layer, when there is none (backward without a training forward)
     */
    public Tensor recall(Layer layer, String name) {
        requireOpen();
        String why = unwritten.getOrDefault(layer, Map.of()).get(name);
        if (why != null) {
            throw new IllegalStateException("layer '" + layer.name() + "': its " + name + " was not written by the last forward pass ("
                    + why + ")");
        }
        Tensor t = kept.getOrDefault(layer, Map.of()).get(name);
        if (t == null) t = owned.getOrDefault(layer, Map.of()).get(name);
        if (t == null) {
            throw new IllegalStateException("layer '" + layer.name() + "': backward before a training forward pass in this "
                    + "workspace (no " + name + ")");
        }
        return t;
    }

    /**
     * Forgets a kept tensor, e.g. after an inference pass that must not be followed by backward.
     *
     * @param layer the layer that kept it
     * @param name its name within the layer
     */
    public void forget(Layer layer, String name) {
        kept.getOrDefault(layer, new HashMap<>()).remove(name);
    }

    /**
     * Marks a layer's buffer as not written by this forward pass, so that {@link #recall} refuses it instead of
     * returning a former pass's values; the next {@link #tensor} call for it clears the mark.
     *
     * @param layer the layer that owns the buffer
     * @param slot the buffer's name within the layer
     * @param why what stood for the layer, for the message
     */
    void markUnwritten(Layer layer, String slot, String why) {
        requireOpen();
        unwritten.computeIfAbsent(layer, l -> new HashMap<>()).put(slot, why);
    }

    /** Frees the buffers of one layer (when the layer is closed). */
    void release(Layer layer) {
        Map<String, Tensor> slots = owned.remove(layer);
        if (slots != null) slots.values().forEach(Tensor::close);
        kept.remove(layer);
        unwritten.remove(layer);
    }

    private void requireOpen() {
        if (closed) throw new IllegalStateException("this workspace was closed");
    }

    /** Frees every buffer; the workspace cannot be used again. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        for (Map<String, Tensor> slots : owned.values()) slots.values().forEach(Tensor::close);
        owned.clear();
        kept.clear();
        unwritten.clear();
    }
}

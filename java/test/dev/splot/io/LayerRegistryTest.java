package dev.splot.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.Op;
import dev.splot.backend.Tensor;
import dev.splot.backend.java.JavaBackend;
import dev.splot.data.Dataset;
import dev.splot.nn.Conv2D;
import dev.splot.nn.Dense;
import dev.splot.nn.Flatten;
import dev.splot.nn.ForwardContext;
import dev.splot.nn.Layer;
import dev.splot.nn.Parameter;
import dev.splot.nn.ReLU;
import dev.splot.nn.Sequential;
import dev.splot.nn.Workspace;
import dev.splot.optim.AdaDelta;
import dev.splot.testing.Tiny;
import dev.splot.train.Trainer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A layer defined outside splot is saved and loaded like a built-in one once its type is registered. */
class LayerRegistryTest {
    @TempDir
    Path dir;

    final Backend backend = new JavaBackend();

    @AfterEach
    void noLeaks() {
        assertEquals(0, backend.liveTensors(), "every test closes what it made");
        backend.close();
    }

    /** A user's layer: y = x . w^T, with its own parameter name and a float setting, on the backend's dense ops. */
    static final class Projection extends Layer {
        final int units;
        final float initialScale;
        private Parameter kernel;
        private Parameter offset;

        Projection(int units, float initialScale) {
            this.units = units;
            this.initialScale = initialScale;
        }

        @Override public Set<Op> ops() { return Set.of(Op.DENSE_FORWARD, Op.DENSE_BACKWARD); }
        @Override protected String typeName() { return "projection"; }
        @Override public int[] outputShape(int[] in) { return new int[] {units}; }

        @Override
        protected void initialise(long seed) {
            int in = inputShape[0];
            Tensor w = backend.allocate(units, in);
            float[] v = new float[units * in];
            for (int i = 0; i < v.length; i++) v[i] = initialScale * (float) Math.sin(i + seed);
            backend.upload(w, v);
            kernel = new Parameter(name() + ".kernel", w, backend.allocate(units, in));
            offset = new Parameter(name() + ".offset", backend.allocate(units), backend.allocate(units));
        }

        @Override public List<Parameter> parameters() { return kernel == null ? List.of() : List.of(kernel, offset); }

        @Override
        public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) {
            Tensor y = ws.tensor(this, "output", x.dim(0), units);
            backend.denseForward(x, kernel.value(), offset.value(), y);
            ws.keep(this, "input", x);
            return y;
        }

        @Override
        public Tensor backward(Tensor dy, boolean needInputGradient, Workspace ws) {
            Tensor x = ws.recall(this, "input");
            Tensor dx = needInputGradient ? ws.tensor(this, "inputGrad", x.shape()) : null;
            backend.denseBackward(dy, x, kernel.value(), dx, kernel.grad(), offset.grad());
            return dx;
        }
    }

    static final LayerType<Projection> PROJECTION = LayerType.of("test_projection", Projection.class, List.of("units", "initial_scale"),
            p -> Map.of("units", p.units, "initial_scale", Float.toString(p.initialScale)),
            c -> new Projection(c.positiveInt("units"), c.floatValue("initial_scale")));

    static {
        LayerRegistry.register(PROJECTION);
    }

    static Sequential model(Backend backend) {
        return Sequential.builder(1, 8, 8).add(new Conv2D(3, 3)).add(new ReLU()).add(new Flatten()).add(new Projection(7, 0.1f))
                .add(new ReLU()).add(new Dense(3)).build(backend, 4);
    }

    @Test
    void aUserDefinedLayerRoundTripsThroughACheckpoint() throws IOException {
        Dataset data = Tiny.data(32, 3);
        Path file = dir.resolve("custom.safetensors");
        float[] before;
        Map<String, float[]> weights;
        try (Sequential m = model(backend); AdaDelta opt = new AdaDelta()) {
            new Trainer(m, opt, 8, 4).fit(data, null, 1, null);
            before = m.predict(data.images(), 32, 5);
            weights = Tiny.weights(m);
            Checkpoint.save(file, m, opt, null);
        }
        assertTrue(weights.containsKey("projection.kernel"), weights.keySet().toString());
        String arch = SafeTensors.read(file).metadata().get(Checkpoint.KEY_ARCHITECTURE);
        assertTrue(arch.contains("{\"type\":\"test_projection\",\"units\":7,\"initial_scale\":\"0.1\"}"), arch);
        try (Backend fresh = new JavaBackend(); Checkpoint c = Checkpoint.load(file, fresh)) {
            Projection p = assertInstanceOf(Projection.class, c.model().layers().get(3));
            assertEquals(7, p.units);
            assertEquals(0.1f, p.initialScale);
            CheckpointTest.assertSameWeights(weights, Tiny.weights(c.model()));
            assertArrayEquals(before, c.model().predict(data.images(), 32, 5));
            assertEquals(arch, Architecture.describe(c.model()));
        }
    }

    @Test
    void anUnregisteredLayerIsRefusedWhenSavedNamingTheRemedy() {
        final class Unknown extends Layer {
            @Override public Set<Op> ops() { return Set.of(Op.RELU_FORWARD, Op.RELU_BACKWARD); }
            @Override protected String typeName() { return "unknown"; }
            @Override public int[] outputShape(int[] in) { return in.clone(); }
            @Override public Tensor forward(Tensor x, ForwardContext ctx, Workspace ws) { return x; }
            @Override public Tensor backward(Tensor dy, boolean need, Workspace ws) { return dy; }
        }
        try (Sequential m = Sequential.builder(4).add(new Unknown()).add(new Dense(2)).build(backend, 1)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Checkpoint.save(dir.resolve("x.safetensors"), m, null, null));
            assertTrue(e.getMessage().contains("no layer type is registered for its class; register one with LayerRegistry.register"),
                    e.getMessage());
        }
    }

    @Test
    void aSecondTypeForATakenNameOrClassIsRefused() {
        IllegalArgumentException byName = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register(
                LayerType.of("dense", Projection.class, List.of(), p -> Map.of(), c -> new Projection(1, 1))));
        assertTrue(byName.getMessage().contains("the name \"dense\" is taken"), byName.getMessage());
        IllegalArgumentException byClass = assertThrows(IllegalArgumentException.class, () -> LayerRegistry.register(
                LayerType.of("my_dense", Dense.class, List.of(), d -> Map.of(), c -> new Dense(1))));
        assertTrue(byClass.getMessage().contains("the class is already described"), byClass.getMessage());
        assertTrue(LayerRegistry.names().containsAll(List.of("conv2d", "batch_normalization", "average_pooling2d",
                "global_average_pooling2d", "test_projection")));
    }
}

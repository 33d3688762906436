package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.Leaks;
import dev.splot.backend.Tensor;
import dev.splot.data.Dataset;
import dev.splot.testing.RequiredBackends;
import dev.splot.testing.Tiny;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What a user serving a model from many threads relies on, on every backend: concurrent predictions
 * equal the single-threaded ones bit for bit, misuse of one model's own buffers from two threads is
 * refused, unclosed models are freed by the garbage collector, and a closed backend says so.
 */
class ThreadsAndLifetimeTest {
    private static final int THREADS = 4, PREDICTIONS = 12, SAMPLES = 7;

    private static Backend open(String name) {
        return RequiredBackends.open(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void concurrentPredictionsEqualTheSingleThreadedOnes(String name) throws Exception {
        Dataset data = Tiny.data(THREADS * PREDICTIONS * SAMPLES, 5);
        try (Backend be = open(name); Sequential model = Tiny.model(be, 3)) {
            int size = 64, k = model.classes();
            float[] expected = model.predict(data.images(), data.count(), SAMPLES); // one thread, batches of SAMPLES
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        // half the threads share the model's predict (a workspace per call), half keep a predictor
                        try (Predictor own = model.newPredictor()) {
                            for (int j = 0; j < PREDICTIONS; j++) {
                                int first = (thread * PREDICTIONS + j) * SAMPLES;
                                float[] images = java.util.Arrays.copyOfRange(data.images(), first * size, (first + SAMPLES) * size);
                                float[] got = thread % 2 == 0 ? model.predict(images, SAMPLES, SAMPLES) : own.predict(images, SAMPLES, SAMPLES);
                                float[] want = java.util.Arrays.copyOfRange(expected, first * k, (first + SAMPLES) * k);
                                assertArrayEquals(want, got, name + ": thread " + thread + ", prediction " + j);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(120, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void aSecondThreadInsideAnotherThreadsTrainingStepIsRefused(String name) throws Exception {
        try (Backend be = open(name); Sequential model = Tiny.model(be, 3); Tensor x = be.allocate(2, 1, 8, 8);
             Tensor dlogits = be.allocate(2, 3)) {
            model.forward(x, new ForwardContext(true, 1, 0)); // this thread's step, backward still to come
            IllegalStateException e = CompletableFuture.supplyAsync(() -> assertThrows(IllegalStateException.class,
                    () -> model.forward(x, ForwardContext.inference()))).get(60, TimeUnit.SECONDS);
            assertTrue(e.getMessage().contains("model used from two threads") && e.getMessage().contains("Predictor"), e.getMessage());
            model.backward(dlogits); // the owner finishes its step
            CompletableFuture.runAsync(() -> model.forward(x, ForwardContext.inference())).get(60, TimeUnit.SECONDS);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void unclosedModelsAreFreedByTheGarbageCollector(String name) throws Exception {
        try (Backend be = open(name)) {
            long liveBefore = be.liveTensors(), bytesBefore = be.liveBytes(), freedBefore = Leaks.freedByCleaner();
            long rssBefore = residentBytes();
            int models = 40;
            List<Sequential> held = new ArrayList<>();
            for (int i = 0; i < models; i++) {
                Sequential m = Sequential.builder(1000).add(new Dense(1000)).build(be, i); // 8 MB: weights and gradients
                m.predict(new float[1000], 1);
                held.add(m);
            }
            long rssFull = residentBytes();
            assertEquals(liveBefore + 4L * models, be.liveTensors(), "weight, bias and their gradients of each model");
            assertEquals(bytesBefore + models * 4L * (1000 * 1000 + 1000) * 2, be.liveBytes(), "the backend memory they hold");
            held.clear(); // dropped without close()
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (be.liveTensors() > liveBefore && System.nanoTime() < deadline) {
                System.gc();
                Thread.sleep(50);
            }
            assertEquals(liveBefore, be.liveTensors(), name + ": every unclosed tensor freed after GC");
            assertEquals(bytesBefore, be.liveBytes(), name + ": all of their memory given back to the backend's allocator");
            assertTrue(Leaks.freedByCleaner() - freedBefore >= 4L * models, "freed by the cleaner, not by close");
            // The process's resident size is reported, not asserted: whether freed blocks go back to the
            // operating system is the C allocator's choice (glibc keeps them in its heap once its mmap
            // threshold has grown), not something splot controls.
            System.out.printf("[%s] resident size: +%d MiB with 40 unclosed models, +%d MiB after GC%n", name,
                    (rssFull - rssBefore) >> 20, (residentBytes() - rssBefore) >> 20);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"java", "native", "opencl"})
    void aClosedBackendSaysSoOnEveryUse(String name) {
        Backend be = open(name);
        Sequential model = Tiny.model(be, 3);
        Tensor t = be.allocate(3);
        be.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> model.predict(new float[64], 1));
        assertTrue(e.getMessage().contains("the " + name + " backend was closed"), e.getMessage());
        e = assertThrows(IllegalStateException.class, () -> be.fill(t, 1f));
        assertTrue(e.getMessage().contains("the " + name + " backend was closed, so fill cannot run"), e.getMessage());
        model.close(); // after the backend: harmless
        t.close();
        be.close();
    }

    /** The resident set of this process (Linux), 0 elsewhere: the native check then only counts tensors. */
    private static long residentBytes() throws Exception {
        Path statm = Path.of("/proc/self/statm");
        if (!Files.isReadable(statm)) return 0;
        return Long.parseLong(Files.readString(statm).trim().split("\\s+")[1]) * 4096;
    }
}

package dev.splot.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Layers that do not fit together are refused when the model is built, naming the layers and shapes, and nothing leaks. */
class SequentialShapeCheckTest {
    final Backend backend = new JavaBackend();

    @AfterEach
    void noLeaks() {
        assertEquals(0, backend.liveTensors(), "the layers built before the failing one are closed");
        backend.close();
    }

    String fails(Sequential.Builder b) {
        return assertThrows(IllegalArgumentException.class, () -> b.build(backend, 1).close()).getMessage();
    }

    static void assertContains(String expected, String actual) {
        assertTrue(actual.contains(expected), () -> "expected \"" + expected + "\" in: " + actual);
    }

    @Test
    void denseDirectlyAfterConvolution() {
        String m = fails(Sequential.builder(1, 8, 8).add(new Conv2D(4, 3)).add(new ReLU()).add(new Dense(3)));
        assertContains("layer 2 'dense' (Dense(3)) cannot take input of shape (4, 6, 6) from layer 1 'relu'", m);
        assertContains("add a Flatten layer before Dense", m);
    }

    @Test
    void kernelBiggerThanTheInput() {
        String m = fails(Sequential.builder(1, 8, 8).add(new Conv2D(4, 3)).add(new MaxPool2D(2)).add(new Conv2D(2, 5))
                .add(new Flatten()).add(new Dense(3)));
        assertContains("layer 2 'conv2d_1' (Conv2D(2, 5x5, stride 1, valid)) cannot take input of shape (4, 3, 3) "
                + "from layer 1 'max_pooling2d'", m);
        assertContains("smaller than the kernel 5x5", m);
    }

    @Test
    void firstLayerAgainstTheModelInput() {
        String m = fails(Sequential.builder(28, 28).add(new Conv2D(4, 3)).add(new Flatten()).add(new Dense(3)));
        assertContains("layer 0 'conv2d'", m);
        assertContains("(28, 28) from the model input", m);
    }

    @Test
    void lastLayerMustGiveLogits() {
        assertContains("the last layer must output logits of shape (classes,), got (4, 6, 6)",
                fails(Sequential.builder(1, 8, 8).add(new Conv2D(4, 3))));
    }
}

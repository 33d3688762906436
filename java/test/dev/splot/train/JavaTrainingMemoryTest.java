package dev.splot.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.splot.backend.Backend;
import dev.splot.backend.java.JavaBackend;
import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link TrainingMemoryCheck} on the Java reference backend. */
class JavaTrainingMemoryTest {
    @Test
    void liveTensorsStayFlatAndReturnToZero(@TempDir Path dir) throws IOException {
        try (Backend backend = new JavaBackend()) {
            assertEquals(0, backend.liveTensors());
            TrainingMemoryCheck.check(backend, dir);
            assertEquals(0, backend.liveTensors());
        }
    }
}

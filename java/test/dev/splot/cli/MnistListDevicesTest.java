package dev.splot.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.testing.partial.PartialBackends;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** {@code Mnist --list-devices} lists every backend provider found, one from another jar included, with no edit to splot. */
class MnistListDevicesTest {
    @Test
    void listsAProviderAddedToTheClassPath() throws Exception {
        String listing = PartialBackends.discoverable(() -> {
            PrintStream out = System.out;
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            try {
                assertEquals(0, Mnist.run(Mnist.parse(new String[] {"--list-devices"})));
            } finally {
                System.setOut(out);
            }
            return captured.toString(StandardCharsets.UTF_8);
        });
        for (String backend : new String[] {"java", "native", "opencl", "partial"}) {
            // "  NAME: summary" where it starts, "  NAME   FAIL  reason" where it cannot (native built without its library)
            assertTrue(listing.contains("\n  " + backend + ": ") || listing.contains("\n  " + backend + " "), backend + " missing from:\n" + listing);
        }
        assertTrue(listing.contains("test-scope partial backend: memory and ReLU only"), listing);
    }
}

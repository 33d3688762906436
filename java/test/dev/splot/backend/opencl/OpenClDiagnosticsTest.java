package dev.splot.backend.opencl;

import dev.splot.testing.RequiredBackends;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.BackendUnavailableException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Device listing and selection, and what a user sees when a kernel does not build. */
class OpenClDiagnosticsTest {

    private static List<String> devicesOrSkip() {
        return RequiredBackends.open("opencl", OpenClBackend::listDevices);
    }

    @Test
    void listsAndSelectsDevicesByIndexPairAndName() {
        List<String> devices = devicesOrSkip();
        assertFalse(devices.isEmpty());
        devices.forEach(d -> System.out.println("[opencl] device " + d));
        String first = devices.get(0);
        String name = first.substring(first.indexOf(") ") + 2, first.indexOf(" | "));
        try (OpenClBackend byIndex = OpenClBackend.create("0");
             OpenClBackend byPair = OpenClBackend.create("0:0");
             OpenClBackend byName = OpenClBackend.create(name.substring(0, Math.min(6, name.length())).toUpperCase())) {
            assertEquals("opencl", byIndex.name());
            assertTrue(byIndex.description().contains(name), byIndex.description());
            assertEquals(byIndex.description(), byPair.description());
            assertTrue(byName.description().contains(name.substring(0, Math.min(6, name.length()))));
        }
        BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                () -> OpenClBackend.create("no-such-device-xyz"));
        assertTrue(e.getMessage().contains("no device matches 'no-such-device-xyz'"), e.getMessage());
        assertTrue(e.getMessage().contains(name), "the message lists the devices: " + e.getMessage());
        String old = System.getProperty(OpenClBackend.DEVICE_PROPERTY);
        System.setProperty(OpenClBackend.DEVICE_PROPERTY, "99");
        try {
            assertThrows(BackendUnavailableException.class, () -> OpenClBackend.create(null), "the system property is honoured");
        } finally {
            if (old == null) System.clearProperty(OpenClBackend.DEVICE_PROPERTY);
            else System.setProperty(OpenClBackend.DEVICE_PROPERTY, old);
        }
    }

    @Test
    void anUnknownConvolutionAlgorithmIsRefusedNamingTheChoices() {
        assertStartRefused(OpenClBackend.CONV_PROPERTY, "fft",
                "OpenCL: unknown convolution algorithm 'fft' for every pass (splot.opencl.conv must be auto, gemm, winograd2, winograd4 or winograd,"
                        + " or three of them separated by commas: forward, backward-data, backward-weights)");
    }

    @Test
    void anUnknownDenseAlgorithmIsRefusedNamingTheChoices() {
        assertStartRefused(OpenClBackend.DENSE_PROPERTY, "blas", "OpenCL: unknown dense algorithm 'blas' (splot.opencl.dense must be auto, dot, reduce or gemm)");
    }

    /** Starting the backend with the system property set to the value fails with exactly the message. */
    private static void assertStartRefused(String property, String value, String message) {
        devicesOrSkip();
        String old = System.getProperty(property);
        System.setProperty(property, value);
        try {
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class, () -> OpenClBackend.create(null));
            assertEquals(message, e.getMessage());
        } finally {
            if (old == null) System.clearProperty(property);
            else System.setProperty(property, old);
        }
    }

    @Test
    void aKernelThatDoesNotBuildReportsFileOptionsAndTheFullLog() {
        devicesOrSkip();
        try (OpenClBackend be = OpenClBackend.create(null)) {
            String source = "__kernel void broken(__global float* x) {\n  x[0] = undeclared_thing_42;\n}\n";
            BackendUnavailableException e = assertThrows(BackendUnavailableException.class,
                    () -> be.compileForTest("broken.cl", source, "-DSOMETHING=1"));
            String m = e.getMessage();
            assertTrue(m.contains("kernel file broken.cl failed to build"), m);
            assertTrue(m.contains("-DSOMETHING=1"), m);
            assertTrue(m.contains("Build log:") && m.contains("undeclared_thing_42"), m);
        }
    }
}

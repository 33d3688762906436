package dev.splot.backend.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.splot.backend.BackendUnavailableException;

import dev.splot.backend.opencl.ConvAlgorithm.Pass;
import dev.splot.backend.ConvGeometry;
import dev.splot.backend.Padding;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What "auto" takes per device class and pass, as measured (docs/opencl.md); the forced values everywhere. */
class ConvAndDenseAlgorithmTest {
    private static final ConvGeometry CONV1 = ConvGeometry.of(128, 1, 28, 28, 32, 3, 3, 1, Padding.VALID);
    private static final ConvGeometry CONV2 = ConvGeometry.of(128, 32, 26, 26, 64, 3, 3, 1, Padding.VALID);

    @Test
    void autoTakesWinogradF4OnCpusForEveryPassAndOnNvidiaGpusExceptBackwardWeights() {
        for (Pass pass : Pass.values()) {
            assertEquals(Winograd.Tile.F4, ConvAlgorithm.AUTO.winogradTile(CONV2, DeviceClass.CPU, pass), pass.name());
            assertEquals(pass == Pass.BACKWARD_WEIGHTS ? null : Winograd.Tile.F4,
                    ConvAlgorithm.AUTO.winogradTile(CONV2, DeviceClass.NVIDIA_GPU, pass), pass.name());
            for (DeviceClass unmeasured : new DeviceClass[] {DeviceClass.AMD_GPU, DeviceClass.INTEL_GPU, DeviceClass.GENERIC}) {
                assertNull(ConvAlgorithm.AUTO.winogradTile(CONV2, unmeasured, pass), unmeasured + " " + pass);
            }
            // one input channel: too short a GEMM for the transforms to pay, on every device
            for (DeviceClass d : DeviceClass.values()) assertNull(ConvAlgorithm.AUTO.winogradTile(CONV1, d, pass), d + " " + pass);
        }
    }

    @Test
    void forcedAlgorithmsApplyOnEveryDeviceAndPass() {
        for (Pass pass : Pass.values()) {
            for (DeviceClass d : DeviceClass.values()) {
                assertNull(ConvAlgorithm.GEMM.winogradTile(CONV2, d, pass));
                assertEquals(Winograd.Tile.F2, ConvAlgorithm.WINOGRAD2.winogradTile(CONV1, d, pass));
                assertEquals(Winograd.Tile.F4, ConvAlgorithm.WINOGRAD4.winogradTile(CONV2, d, pass));
            }
        }
    }

    @Test
    void thePropertyTakesOneValueForAllPassesOrThree() {
        try {
            System.setProperty(OpenClBackend.CONV_PROPERTY, "winograd4,winograd,gemm");
            Map<Pass, ConvAlgorithm> perPass = ConvAlgorithm.fromProperty();
            assertEquals(Map.of(Pass.FORWARD, ConvAlgorithm.WINOGRAD4, Pass.BACKWARD_DATA, ConvAlgorithm.WINOGRAD4,
                    Pass.BACKWARD_WEIGHTS, ConvAlgorithm.GEMM), perPass);
            assertEquals("winograd4,winograd4,gemm", ConvAlgorithm.propertyValue(perPass));
            System.setProperty(OpenClBackend.CONV_PROPERTY, "winograd2");
            assertEquals("winograd2", ConvAlgorithm.propertyValue(ConvAlgorithm.fromProperty()));
            System.setProperty(OpenClBackend.CONV_PROPERTY, "gemm,gemm");
            assertEquals("OpenCL: splot.opencl.conv='gemm,gemm' has 2 values; it takes one (all passes) or three (forward,"
                    + " backward-data, backward-weights)", assertThrows(BackendUnavailableException.class, ConvAlgorithm::fromProperty).getMessage());
            System.setProperty(OpenClBackend.CONV_PROPERTY, "gemm,fft,gemm");
            assertTrue(assertThrows(BackendUnavailableException.class, ConvAlgorithm::fromProperty).getMessage()
                    .startsWith("OpenCL: unknown convolution algorithm 'fft' for backward-data ("), "names the value and the pass");
        } finally {
            System.clearProperty(OpenClBackend.CONV_PROPERTY);
        }
    }

    @Test
    void denseForwardPerDeviceClass() {
        assertEquals(DenseAlgorithm.DOT, DenseAlgorithm.AUTO.resolve(DeviceClass.CPU));
        assertEquals(DenseAlgorithm.REDUCE, DenseAlgorithm.AUTO.resolve(DeviceClass.NVIDIA_GPU));
        assertEquals(DenseAlgorithm.GEMM, DenseAlgorithm.AUTO.resolve(DeviceClass.AMD_GPU));
        for (DeviceClass d : DeviceClass.values()) {
            for (DenseAlgorithm forced : new DenseAlgorithm[] {DenseAlgorithm.DOT, DenseAlgorithm.REDUCE, DenseAlgorithm.GEMM}) {
                assertEquals(forced, forced.resolve(d));
            }
        }
    }

    @Test
    void gpuWeightGradientGroupsAreBoundedByTheirMemory() {
        assertEquals(1, Convolutions.gpuImagesPerGroup(128, 32 * 9)); // conv1: one image per group
        assertEquals(1, Convolutions.gpuImagesPerGroup(128, 64 * 288)); // conv2 too
        assertEquals(8, Convolutions.gpuImagesPerGroup(128, 512L * 4608)); // 2.4M weights: 16 groups, as on CPUs
        assertEquals(1, Convolutions.gpuImagesPerGroup(1, 64 * 288));
    }
}

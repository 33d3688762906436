package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import java.util.Locale;

/**
 * Which algorithm computes a 3x3 stride-1 convolution (system property {@value OpenClBackend#CONV_PROPERTY}), as the
 * native backend's {@code splot.native.conv}: other kernel sizes and strides always take im2col + GEMM.
 */
enum ConvAlgorithm {
    /**
     * The default: im2col + GEMM. Winograd F(2x2,3x3) around gemm.cl was measured slower than im2col + GEMM for the
     * backward passes on PoCL and no faster forward (docs/opencl.md), and has not been measured on a GPU yet: "auto" is
     * where it goes for a device class on which it measures faster.
     */
    AUTO,
    /** im2col + GEMM everywhere. */
    GEMM,
    /** Winograd F(2x2,3x3) wherever it applies. */
    WINOGRAD;

    static ConvAlgorithm fromProperty() {
        String p = System.getProperty(OpenClBackend.CONV_PROPERTY, "auto");
        return switch (p) {
            case "auto" -> AUTO;
            case "gemm" -> GEMM;
            case "winograd" -> WINOGRAD;
            default -> throw new BackendUnavailableException("OpenCL: unknown convolution algorithm '" + p + "' ("
                    + OpenClBackend.CONV_PROPERTY + " must be auto, gemm or winograd)", null);
        };
    }

    /** Whether this setting computes g by Winograd. */
    boolean usesWinograd(ConvGeometry g) {
        return switch (this) {
            case AUTO, GEMM -> false;
            case WINOGRAD -> Winograd.applies(g);
        };
    }

    /** The property value naming this setting: "auto", "gemm" or "winograd". */
    String propertyValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

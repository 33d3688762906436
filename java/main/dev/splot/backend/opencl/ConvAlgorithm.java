package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import java.util.Locale;

/**
 * Which algorithm computes a 3x3 stride-1 convolution (system property {@value OpenClBackend#CONV_PROPERTY}), as the
 * native backend's {@code splot.native.conv}: other kernel sizes and strides always take im2col + GEMM.
 */
enum ConvAlgorithm {
    /** Winograd where both channel counts are at least {@value #AUTO_MIN_CHANNELS}, im2col + GEMM elsewhere (default). */
    AUTO,
    /** im2col + GEMM everywhere. */
    GEMM,
    /** Winograd F(2x2,3x3) wherever it applies. */
    WINOGRAD;

    /**
     * Channels from which AUTO takes Winograd: below that (conv1 of the seed model, C = 1) the transforms cost more than
     * the GEMM saves; the native backend draws the line at the same place.
     */
    static final int AUTO_MIN_CHANNELS = 8;

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
            case AUTO -> Winograd.applies(g) && g.c() >= AUTO_MIN_CHANNELS && g.o() >= AUTO_MIN_CHANNELS;
            case GEMM -> false;
            case WINOGRAD -> Winograd.applies(g);
        };
    }

    /** The property value naming this setting: "auto", "gemm" or "winograd". */
    String propertyValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import java.util.Locale;

/**
 * Which algorithm computes a 3x3 stride-1 convolution (system property {@value OpenClBackend#CONV_PROPERTY}), with the
 * native backend's values for {@code splot.native.conv}: other kernel sizes and strides always take im2col + GEMM.
 */
enum ConvAlgorithm {
    /**
     * The default: Winograd F(4x4,3x3) on CPU devices from {@value #AUTO_MIN_CHANNELS} input channels up (on PoCL it
     * took 0.62-0.82 of im2col + GEMM's time on each of conv2's passes, docs/opencl.md), im2col + GEMM elsewhere: with
     * fewer channels the GEMMs are too short to pay for the transforms, and on GPUs neither has been measured yet.
     */
    AUTO,
    /** im2col + GEMM everywhere. */
    GEMM,
    /** Winograd F(2x2,3x3) wherever it applies. */
    WINOGRAD2,
    /** Winograd F(4x4,3x3) wherever it applies; also the value "winograd". */
    WINOGRAD4;

    static ConvAlgorithm fromProperty() {
        String p = System.getProperty(OpenClBackend.CONV_PROPERTY, "auto");
        return switch (p) {
            case "auto" -> AUTO;
            case "gemm" -> GEMM;
            case "winograd2" -> WINOGRAD2;
            case "winograd4", "winograd" -> WINOGRAD4;
            default -> throw new BackendUnavailableException("OpenCL: unknown convolution algorithm '" + p + "' ("
                    + OpenClBackend.CONV_PROPERTY + " must be auto, gemm, winograd2, winograd4 or winograd)", null);
        };
    }

    /** Input channels from which "auto" takes Winograd F(4x4) on a CPU device (the native backend's threshold). */
    static final int AUTO_MIN_CHANNELS = 8;

    /** The Winograd tile size this setting computes g with on a CPU (or other) device, or null for im2col + GEMM. */
    Winograd.Tile winogradTile(ConvGeometry g, boolean cpu) {
        if (!Winograd.applies(g)) return null;
        return switch (this) {
            case AUTO -> cpu && g.c() >= AUTO_MIN_CHANNELS ? Winograd.Tile.F4 : null;
            case GEMM -> null;
            case WINOGRAD2 -> Winograd.Tile.F2;
            case WINOGRAD4 -> Winograd.Tile.F4;
        };
    }

    /** The property value naming this setting: "auto", "gemm", "winograd2" or "winograd4". */
    String propertyValue() {
        return name().toLowerCase(Locale.ROOT);
    }
}

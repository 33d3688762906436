package dev.splot.backend.opencl;

import dev.splot.backend.BackendUnavailableException;
import dev.splot.backend.ConvGeometry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Which algorithm computes a pass of a 3x3 stride-1 convolution (system property {@value OpenClBackend#CONV_PROPERTY}),
 * with the native backend's values for {@code splot.native.conv}: other kernel sizes and strides always take im2col +
 * GEMM.
 */
enum ConvAlgorithm {
    /**
     * The default: Winograd F(4x4,3x3) from {@value #AUTO_MIN_CHANNELS} input channels up on CPU devices for all three
     * passes (on PoCL it took 0.62-0.82 of im2col + GEMM's time on each of conv2's passes) and on NVIDIA GPUs for the
     * forward and backward-data passes (on an H200: 0.62x and 0.85x; its backward-weights took 2.5x, so that pass keeps
     * im2col + GEMM there), im2col + GEMM elsewhere (docs/opencl.md): with fewer channels the GEMMs are too short to pay
     * for the transforms, and other GPUs have not been measured.
     */
    AUTO,
    /** im2col + GEMM everywhere. */
    GEMM,
    /** Winograd F(2x2,3x3) wherever it applies. */
    WINOGRAD2,
    /** Winograd F(4x4,3x3) wherever it applies; also the value "winograd". */
    WINOGRAD4;

    /** One algorithm by its property value; {@code what} names the setting in the error. */
    static ConvAlgorithm parse(String value, String what) {
        return switch (value) {
            case "auto" -> AUTO;
            case "gemm" -> GEMM;
            case "winograd2" -> WINOGRAD2;
            case "winograd4", "winograd" -> WINOGRAD4;
            default -> throw new BackendUnavailableException("OpenCL: unknown convolution algorithm '" + value + "' for " + what
                    + " (" + OpenClBackend.CONV_PROPERTY + " must be auto, gemm, winograd2, winograd4 or winograd, or three of"
                    + " them separated by commas: forward, backward-data, backward-weights)", null);
        };
    }

    /**
     * The property's algorithms for the forward, backward-data and backward-weights passes: one value for all three, or
     * three separated by commas (as "auto" takes on NVIDIA GPUs: "winograd4,winograd4,gemm").
     */
    static Map<Pass, ConvAlgorithm> fromProperty() {
        String p = System.getProperty(OpenClBackend.CONV_PROPERTY, "auto");
        String[] values = p.split(",", -1);
        if (values.length != 1 && values.length != 3) {
            throw new BackendUnavailableException("OpenCL: " + OpenClBackend.CONV_PROPERTY + "='" + p + "' has " + values.length
                    + " values; it takes one (all passes) or three (forward, backward-data, backward-weights)", null);
        }
        Map<Pass, ConvAlgorithm> perPass = new EnumMap<>(Pass.class);
        for (Pass pass : Pass.values()) {
            String what = pass.name().toLowerCase(Locale.ROOT).replace('_', '-');
            perPass.put(pass, parse(values[values.length == 1 ? 0 : pass.ordinal()].trim(), values.length == 1 ? "every pass" : what));
        }
        return perPass;
    }

    /** The property value naming these per-pass settings: one value where all three agree, else three. */
    static String propertyValue(Map<Pass, ConvAlgorithm> perPass) {
        ConvAlgorithm f = perPass.get(Pass.FORWARD), d = perPass.get(Pass.BACKWARD_DATA), w = perPass.get(Pass.BACKWARD_WEIGHTS);
        if (f == d && d == w) return f.propertyValue();
        return f.propertyValue() + "," + d.propertyValue() + "," + w.propertyValue();
    }

    /** Input channels from which "auto" takes Winograd F(4x4) on a CPU device (the native backend's threshold). */
    static final int AUTO_MIN_CHANNELS = 8;

    /** A convolution's three passes, which "auto" may give different algorithms. */
    enum Pass { FORWARD, BACKWARD_DATA, BACKWARD_WEIGHTS }

    /** The Winograd tile size this setting computes g's {@code pass} with on a device of class {@code device}, or null for im2col + GEMM. */
    Winograd.Tile winogradTile(ConvGeometry g, DeviceClass device, Pass pass) {
        if (!Winograd.applies(g)) return null;
        return switch (this) {
            case AUTO -> g.c() < AUTO_MIN_CHANNELS ? null : switch (device) {
                case CPU -> Winograd.Tile.F4;
                case NVIDIA_GPU -> pass == Pass.BACKWARD_WEIGHTS ? null : Winograd.Tile.F4;
                default -> null;
            };
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

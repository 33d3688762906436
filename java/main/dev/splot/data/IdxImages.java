package dev.splot.data;

/**
 * Greyscale images read from a rank-3 IDX file: {@code count} images of {@code rows x cols}
 * pixels, row-major, each pixel scaled from 0..255 to [0, 1] (ready for an NCHW tensor with C = 1).
 */
public record IdxImages(int count, int rows, int cols, float[] pixels) {
    public IdxImages {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException(
                    count + "x" + rows + "x" + cols + " images need " + (long) count * rows * cols
                            + " pixels, got " + pixels.length);
        }
    }

    /** Pixels per image. */
    public int imageSize() {
        return rows * cols;
    }

    @Override
    public String toString() {
        return "IdxImages[" + count + "x" + rows + "x" + cols + "]";
    }
}

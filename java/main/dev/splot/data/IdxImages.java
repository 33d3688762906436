package dev.splot.data;

/**
 * Greyscale images read from a rank-3 IDX file: {@code count} images of {@code rows x cols}
 * pixels, row-major, each pixel scaled from 0..255 to [0, 1] (ready for an NCHW tensor with C = 1).
 *
 * @param count the number of images
 * @param rows the image height in pixels
 * @param cols the image width in pixels
 * @param pixels {@code count * rows * cols} values in [0, 1]
 */
public record IdxImages(int count, int rows, int cols, float[] pixels) {
    /**
     * Checks that {@code pixels} holds exactly {@code count} images.
     *
     * @param count the number of images
     * @param rows the image height
     * @param cols the image width
     * @param pixels the pixel values
     * @throws IllegalArgumentException if the sizes disagree
     */
    public IdxImages {
        if ((long) count * rows * cols != pixels.length) {
            throw new IllegalArgumentException(
                    count + "x" + rows + "x" + cols + " images need " + (long) count * rows * cols
                            + " pixels, got " + pixels.length);
        }
    }

    /** @return pixels per image, {@code rows * cols} */
    public int imageSize() {
        return rows * cols;
    }

    @Override
    public String toString() {
        return "IdxImages[" + count + "x" + rows + "x" + cols + "]";
    }
}

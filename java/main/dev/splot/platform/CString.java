package dev.splot.platform;

import java.nio.charset.StandardCharsets;
import org.bytedeco.javacpp.BytePointer;

/** Reads what C code wrote into a char buffer. */
public final class CString {
    private CString() {}

    /**
     * The NUL-terminated UTF-8 string at the start of {@code buffer}. ({@link BytePointer#getString()}
     * would return the whole buffer, NULs included, for a buffer allocated with a size.)
     *
     * @param buffer a buffer C code wrote into; read from position 0 up to its capacity (its position is
     *     set to 0)
     * @return the text before the first NUL, or the whole buffer when it holds none
     */
    public static String read(BytePointer buffer) {
        byte[] b = new byte[(int) buffer.capacity()];
        buffer.position(0).get(b);
        int len = 0;
        while (len < b.length && b[len] != 0) len++;
        return new String(b, 0, len, StandardCharsets.UTF_8);
    }
}

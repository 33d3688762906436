package dev.splot.data;

import java.nio.file.Path;

/**
 * An IDX file that cannot be read as declared: bad magic, unsupported type, wrong rank, or data
 * that does not match the header. The message always starts with the file's path.
 */
public class IdxFormatException extends FileFormatException {
    /**
     * @param file the IDX file
     * @param problem what is wrong with it, without the file name
     */
    public IdxFormatException(Path file, String problem) {
        super(file, problem);
    }

    /**
     * @param file the IDX file
     * @param problem what is wrong with it, without the file name
     * @param cause the lower-level failure, or {@code null}
     */
    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}

package dev.splot.data;

import java.nio.file.Path;

/**
 * An IDX file that cannot be read as declared: bad magic, unsupported type, wrong rank, or data
 * that does not match the header. The message always starts with the file's path.
 */
public class IdxFormatException extends FileFormatException {
    public IdxFormatException(Path file, String problem) {
        super(file, problem);
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}

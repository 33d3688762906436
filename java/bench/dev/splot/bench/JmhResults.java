package dev.splot.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads JMH's JSON result file (ResultFormatType.JSON) into one {@link Result} per benchmark and
 * parameter set. A tiny JSON reader of its own keeps the report free of further dependencies;
 * JMH writes NaN as the string "NaN", which is read as {@link Double#NaN}.
 */
public final class JmhResults {

    /**
     * One JMH result: {@code benchmark} is the full name ("dev.splot.bench.ConvBench.conv2Forward"),
     * {@code score} and {@code error} (99.9% half-width, NaN with too few samples) are in {@code unit}
     * (e.g. "ms/op"), {@code samples} is the number of measured iterations over all forks and
     * {@code best} the lowest of them (in {@code unit}; NaN without raw data).
     */
    public record Result(String benchmark, String mode, Map<String, String> params, double score, double error, String unit,
                         int samples, double best) {
        /** The method name: the id of its {@link Workloads.Work}. */
        public String method() {
            return benchmark.substring(benchmark.lastIndexOf('.') + 1);
        }

        public String param(String name) {
            return params.get(name);
        }

        /** The score as seconds per operation. */
        public double seconds() {
            return score * secondsPer(unit);
        }

        /** The best (shortest) iteration as seconds per operation. */
        public double bestSeconds() {
            return best * secondsPer(unit);
        }

        public double errorSeconds() {
            return error * secondsPer(unit);
        }

        static double secondsPer(String unit) {
            return switch (unit) {
                case "s/op" -> 1;
                case "ms/op" -> 1e-3;
                case "us/op" -> 1e-6;
                case "ns/op" -> 1e-9;
                default -> throw new IllegalArgumentException("not a time-per-operation unit: '" + unit
                        + "' (the report needs Mode.AverageTime or SingleShotTime)");
            };
        }
    }

    private JmhResults() {}

    public static List<Result> read(Path json) throws IOException {
        return parse(Files.readString(json));
    }

    @SuppressWarnings("unchecked")
    public static List<Result> parse(String json) {
        Object root = new Reader(json).document();
        if (!(root instanceof List<?> list)) throw new IllegalArgumentException("JMH JSON: expected an array at the top");
        List<Result> out = new ArrayList<>();
        for (Object o : list) {
            Map<String, Object> b = (Map<String, Object>) o;
            Map<String, Object> metric = (Map<String, Object>) b.get("primaryMetric");
            Map<String, String> params = new LinkedHashMap<>();
            Object p = b.get("params");
            if (p instanceof Map<?, ?> pm) pm.forEach((k, v) -> params.put((String) k, String.valueOf(v)));
            int samples = 0;
            double best = Double.NaN;
            if (metric.get("rawData") instanceof List<?> forks) {
                for (Object f : forks) {
                    for (Object v : (List<?>) f) {
                        double x = number(v);
                        best = samples++ == 0 ? x : Math.min(best, x);
                    }
                }
            }
            out.add(new Result((String) b.get("benchmark"), (String) b.get("mode"), params, number(metric.get("score")),
                    number(metric.get("scoreError")), (String) metric.get("scoreUnit"), samples, best));
        }
        return out;
    }

    private static double number(Object v) {
        if (v instanceof Double d) return d;
        if (v instanceof String s) {
            return switch (s) {
                case "NaN" -> Double.NaN;
                case "Infinity" -> Double.POSITIVE_INFINITY;
                case "-Infinity" -> Double.NEGATIVE_INFINITY;
                default -> throw new IllegalArgumentException("JMH JSON: not a number: \"" + s + "\"");
            };
        }
        throw new IllegalArgumentException("JMH JSON: expected a number, got " + v);
    }

    /** Objects (LinkedHashMap), arrays (ArrayList), strings, numbers (Double), true/false/null. */
    static final class Reader {
        private final String s;
        private int pos;

        Reader(String s) {
            this.s = s;
        }

        Object document() {
            Object v = value();
            space();
            if (pos != s.length()) throw error("trailing characters");
            return v;
        }

        private Object value() {
            space();
            if (pos >= s.length()) throw error("unexpected end");
            char c = s.charAt(pos);
            switch (c) {
                case '{': {
                    pos++;
                    Map<String, Object> m = new LinkedHashMap<>();
                    space();
                    if (peek() == '}') { pos++; return m; }
                    while (true) {
                        space();
                        String k = string();
                        space();
                        expect(':');
                        m.put(k, value());
                        space();
                        if (peek() == ',') { pos++; continue; }
                        expect('}');
                        return m;
                    }
                }
                case '[': {
                    pos++;
                    List<Object> l = new ArrayList<>();
                    space();
                    if (peek() == ']') { pos++; return l; }
                    while (true) {
                        l.add(value());
                        space();
                        if (peek() == ',') { pos++; continue; }
                        expect(']');
                        return l;
                    }
                }
                case '"':
                    return string();
                default:
                    if (s.startsWith("true", pos)) { pos += 4; return Boolean.TRUE; }
                    if (s.startsWith("false", pos)) { pos += 5; return Boolean.FALSE; }
                    if (s.startsWith("null", pos)) { pos += 4; return null; }
                    int start = pos;
                    while (pos < s.length() && "+-0123456789.eE".indexOf(s.charAt(pos)) >= 0) pos++;
                    if (start == pos) throw error("unexpected '" + c + "'");
                    try {
                        return Double.parseDouble(s.substring(start, pos));
                    } catch (NumberFormatException e) {
                        throw error("bad number '" + s.substring(start, pos) + "'");
                    }
            }
        }

        private String string() {
            expect('"');
            StringBuilder b = new StringBuilder();
            while (true) {
                if (pos >= s.length()) throw error("unterminated string");
                char c = s.charAt(pos++);
                if (c == '"') return b.toString();
                if (c != '\\') { b.append(c); continue; }
                if (pos >= s.length()) throw error("unterminated escape");
                char e = s.charAt(pos++);
                switch (e) {
                    case 'n' -> b.append('\n');
                    case 't' -> b.append('\t');
                    case 'r' -> b.append('\r');
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'u' -> {
                        if (pos + 4 > s.length()) throw error("short \\u escape");
                        b.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                        pos += 4;
                    }
                    default -> b.append(e); // \" \\ \/
                }
            }
        }

        private void space() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) pos++;
        }

        private char peek() {
            if (pos >= s.length()) throw error("unexpected end");
            return s.charAt(pos);
        }

        private void expect(char c) {
            if (peek() != c) throw error("expected '" + c + "', found '" + s.charAt(pos) + "'");
            pos++;
        }

        private IllegalArgumentException error(String what) {
            return new IllegalArgumentException("JMH JSON: " + what + " at character " + pos);
        }
    }
}
